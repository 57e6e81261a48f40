#!/usr/bin/env bash
# cpu_limit.sh LABGRADE EXAMPLES
# In a cgroup with a CPU limit of one (as a container's --cpus 1 or a
# Kubernetes pod's limit sets it), `check` starts one check runner, not one
# per core of the machine, and still gives full marks; outside it, one per
# core. Needs root and a cgroup cpu controller we may make groups in.
set -u
labgrade=$1 examples=$2
fail() { echo "FAIL: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "skipped: needs root (to make a cgroup with a CPU limit)"; exit 77; }
[[ $(nproc) -ge 2 ]] || { echo "skipped: one core: a limit of one changes nothing"; exit 77; }
group=""
if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
  group=/sys/fs/cgroup/labgrade-cpu-limit-$$
  mkdir "$group" && echo "100000 100000" > "$group/cpu.max" || group=""
elif [[ -d /sys/fs/cgroup/cpu ]]; then
  group=/sys/fs/cgroup/cpu/labgrade-cpu-limit-$$
  mkdir "$group" && echo 100000 > "$group/cpu.cfs_period_us" && echo 100000 > "$group/cpu.cfs_quota_us" || group=""
fi
[[ -n $group ]] || { echo "skipped: no cgroup cpu controller to make a group with a limit in"; exit 77; }
work=$(mktemp -d)
trap 'rmdir "$group" 2>/dev/null; rm -rf "$work"' EXIT

runners() {  # how many check runners a check started (its trace's "runner ready" lines)
  grep -c "runner ready" "$1"
}
LABGRADE_TRACE=$work/free.trace "$labgrade" check --lab posix-shm "$examples/posix-shm/slides" > "$work/free.out" 2>&1 ||
  { cat "$work/free.out"; fail "check without a limit"; }
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$group" env LABGRADE_TRACE="$work/limited.trace" \
  "$labgrade" check --lab posix-shm "$examples/posix-shm/slides" > "$work/limited.out" 2>&1 ||
  { cat "$work/limited.out"; fail "check with a CPU limit of one"; }
grep -q "10/10 points" "$work/limited.out" || { cat "$work/limited.out"; fail "not full marks under a CPU limit of one"; }
[[ $(runners "$work/limited.trace") -eq 1 ]] || fail "$(runners "$work/limited.trace") runners under a CPU limit of one"
[[ $(runners "$work/free.trace") -ge 2 ]] || fail "$(runners "$work/free.trace") runner(s) without a limit, on $(nproc) cores"
echo "cpu limit: one runner under a limit of one CPU, $(runners "$work/free.trace") without"
