#!/usr/bin/env bash
# shared_machine.sh LABGRADE EXAMPLES
# Without namespaces (LABGRADE_ISOLATION=off), on a machine that others use:
#  1. another user's /dev/shm/SYSUOS is there: a grader error (exit 3) that
#     names it and its owner, never the student's fault, and it is kept
#     byte for byte;
#  2. the machine's own (root's) object: the same, kept;
#  3. two users (root and nobody) grading at once: both get full marks, each
#     world's objects are its own (the machine-wide lock holds across users),
#     and nothing is left.
set -u
labgrade=$1 examples=$2
if [[ $(id -u) -ne 0 ]] || ! command -v setpriv >/dev/null; then
  echo "skipped: needs root (to be two users) and setpriv"
  exit 77
fi
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; rm -f /dev/shm/SYSUOS' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export LABGRADE_ISOLATION=off

for owner in nobody root; do
  [[ -e /dev/shm/SYSUOS ]] && fail "/dev/shm/SYSUOS exists before the test"
  printf 'an object of %s, not the student'"'"'s' "$owner" > /dev/shm/SYSUOS
  chown "$owner" /dev/shm/SYSUOS && chmod 600 /dev/shm/SYSUOS
  before=$(sha256sum /dev/shm/SYSUOS)
  "$labgrade" check --lab posix-shm "$examples/posix-shm/slides" > "$work/out-$owner" 2>&1
  code=$?
  [[ $code -eq 3 ]] || { cat "$work/out-$owner"; fail "$owner's object: exit $code, expected 3 (a grader error)"; }
  grep -q "/dev/shm/SYSUOS was there before this check began" "$work/out-$owner" || { cat "$work/out-$owner"; fail "the report does not name the object"; }
  grep -q "$owner" "$work/out-$owner" || fail "the report does not name its owner ($owner)"
  grep -q "FAIL " "$work/out-$owner" && { cat "$work/out-$owner"; fail "a check was failed on the student's account"; }
  [[ $(sha256sum /dev/shm/SYSUOS) == "$before" ]] || fail "$owner's object was changed or removed"
  rm -f /dev/shm/SYSUOS
  echo "ok: $owner's /dev/shm/SYSUOS is a grader error, kept byte for byte"
done

# Two users at once, on the labs whose names are fixed (POSIX and System V).
mkdir -p "$work/nobody-cache" "$work/nobody-tmp" && chown nobody "$work/nobody-cache" "$work/nobody-tmp"
for round in 1 2; do
  for lab in posix-shm sysv-shm; do
    "$labgrade" check --lab "$lab" "$examples/$lab/slides" > "$work/root-$lab" 2>&1 &
    root_pid=$!
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$work" TMPDIR="$work/nobody-tmp" \
      LABGRADE_CACHE_DIR="$work/nobody-cache" "$labgrade" check --lab "$lab" "$examples/$lab/slides" > "$work/nobody-$lab" 2>&1 &
    nobody_pid=$!
    wait $root_pid || { cat "$work/root-$lab"; fail "root's $lab run failed (round $round)"; }
    wait $nobody_pid || { cat "$work/nobody-$lab"; fail "nobody's $lab run failed (round $round)"; }
  done
done
[[ -e /dev/shm/SYSUOS ]] && fail "/dev/shm/SYSUOS was left"
echo "ok: root and nobody graded posix-shm and sysv-shm at once, full marks each, nothing left"
