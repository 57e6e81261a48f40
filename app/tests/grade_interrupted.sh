#!/usr/bin/env bash
# grade_interrupted.sh LABGRADE SLIDES BUGGY
# A class graded by `labgrade grade --jobs 1`:
#  1. Ctrl-C (SIGINT) half-way: exit 130, the students finished so far kept,
#     grades.csv and report.html written for them;
#  2. SIGKILL half-way: a rerun trusts nothing half-written, finishes the
#     rest, and leaves no temporary file;
#  3. a rerun with nothing changed grades nobody again, and the killed run's
#     cgroups are gone.
set -u
labgrade=$1 slides=$2 buggy=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in 1 2 3 4 5 6 7 8; do
  if ((i % 2)); then cp -r "$slides" "$work/class-s$i"; else cp -r "$buggy" "$work/class-b$i"; fi
done
mkdir -p "$work/class" && mv "$work"/class-* "$work/class/"
# A SIGKILLed labgrade cannot remove its scratch folders: keep them in $work.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
fail() { echo "FAIL: $*"; exit 1; }
graded() { ls "$1"/*/.labgrade-report.json 2>/dev/null | wc -l; }
wait_for_students() {  # OUT N: until N students are stored (at most 60 s)
  for _ in $(seq 600); do (($(graded "$1") >= $2)) && return 0; sleep 0.1; done
  fail "no student was graded in 60 s"
}

# 1. Ctrl-C after the first students.
"$labgrade" grade --lab posix-shm --jobs 1 --out "$work/out" "$work/class" 2>"$work/log1" &
pid=$!
wait_for_students "$work/out" 2
kill -INT $pid
wait $pid
rc=$?
[[ $rc -eq 130 ]] || fail "Ctrl-C: exit $rc, not 130: $(cat "$work/log1")"
kept=$(graded "$work/out")
((kept >= 2 && kept < 8)) || fail "Ctrl-C: $kept students kept"
[[ -s $work/out/grades.csv && -s $work/out/report.html ]] || fail "Ctrl-C: no grades.csv or report.html"
(($(grep -c . "$work/out/grades.csv") == kept + 1)) || fail "Ctrl-C: grades.csv does not have the $kept finished students"

# 2. SIGKILL half-way, then a rerun that finishes.
"$labgrade" grade --lab posix-shm --jobs 1 --out "$work/out" "$work/class" 2>/dev/null &
pid=$!
wait_for_students "$work/out" $((kept + 1))
kill -KILL $pid
wait $pid 2>/dev/null
killed=$pid
"$labgrade" grade --lab posix-shm --jobs 1 --out "$work/out" "$work/class" 2>"$work/log2" || fail "rerun failed: $(cat "$work/log2")"
(($(graded "$work/out") == 8)) || fail "after the rerun, $(graded "$work/out") of 8 students graded"
(($(grep -c . "$work/out/grades.csv") == 9)) || fail "grades.csv lacks students"
leftovers=$(find "$work/out" -name '*.tmp')
[[ -z $leftovers ]] || fail "temporary files left: $leftovers"

# 3. Nothing changed: nobody graded again. A group left by a killed run (made
#    here for a pid that has ended, where this machine lets us) goes all the same.
sh -c 'exit 0' & dead=$!; wait $dead
pids_parent=/sys/fs/cgroup/pids$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup)
fake=""
if [[ ${LABGRADE_CGROUPS:-} != off ]] && mkdir "$pids_parent/labgrade-$dead-0" 2>/dev/null; then fake=$pids_parent/labgrade-$dead-0; fi
"$labgrade" grade --lab posix-shm --jobs 2 --out "$work/out" "$work/class" 2>"$work/log3" || fail "third run failed"
(($(grep -c "(unchanged)" "$work/log3") == 8)) || fail "a student was graded again: $(cat "$work/log3")"
# The killed run's cgroups are gone too: a later run removes them even when it grades nobody.
stale=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "labgrade-$killed-*" 2>/dev/null)
[[ -z $stale ]] || fail "the killed run's cgroups were left: $stale"
[[ -z $fake || ! -d $fake ]] || { rmdir "$fake"; fail "a run that graded nobody left a dead run's cgroup: $fake"; }
echo "ok: Ctrl-C kept $kept students; SIGKILL then rerun finished all 8; the third run graded nobody again"
