#!/usr/bin/env bash
# keep.sh LABGRADE EXAMPLES REFERENCE
# `labgrade check --keep DIR` as a student uses it:
#  1. the pipe lab's stdio example with a bug (its child leaves with _exit and
#     never flushes stdout): each failed check has DIR/<check>/ with the
#     student's program, its stdin and replay.sh, and the report says how to
#     run it; the replay of "a short text arrives" shows the same failure (an
#     empty stdout for the same 44 bytes of input);
#  2. posix-shm's buggy example (no shm_unlink), whose checks run a reference
#     peer: the reference's program is there as a binary, no source of the
#     reference is anywhere in DIR, and (as root, in a private IPC and mount
#     namespace) the replay shows /dev/shm/SYSUOS left behind, as the grader found;
#  3. a second --keep into the same folder replaces it; a folder that holds
#     anything labgrade did not make is refused with exit 2 and left as it was.
set -u
labgrade=$1 examples=$2 reference=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work" || exit 1
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR" mine

# 1. The pipe bug.
sed -e '/if (fflush(stdout) == EOF) {/,+3d' -e 's/^    exit(0);$/    _exit(0);/' "$examples/pipe/stdio/pipe.c" >mine/pipe.c
grep -q '_exit(0)' mine/pipe.c && ! grep -q fflush mine/pipe.c || fail "the example changed: the bug could not be written"
"$labgrade" check --lab pipe --keep kept mine >report.txt 2>&1
rc=$?
[[ $rc -eq 1 ]] || { cat report.txt; fail "the buggy pipe: exit $rc, not 1"; }
grep -A5 'FAIL a short text arrives byte for byte' report.txt | grep -q 'replay:     sh kept/ShortTextArrives/replay.sh' ||
  { cat report.txt; fail "the report does not say how to replay the failed check"; }
grep -q 'got:        only 0 of the 44 bytes' report.txt || { cat report.txt; fail "the grader's finding changed"; }
[[ -f kept/.labgrade-keep && -x kept/ShortTextArrives/pipe && -x kept/ShortTextArrives/replay.sh ]] || fail "kept/ShortTextArrives lacks its files: $(ls -la kept kept/ShortTextArrives)"
cmp -s <(head -c 44 kept/ShortTextArrives/1-pipe.stdin) kept/ShortTextArrives/1-pipe.stdin && [[ $(wc -c <kept/ShortTextArrives/1-pipe.stdin) -eq 44 ]] ||
  fail "the stdin kept is not the 44 bytes the grader gave"
[[ $(ls kept | wc -l) -eq $(grep -c '^       replay:     sh ' report.txt) ]] || fail "not one folder per replay the report names"
[[ ! -e kept/Builds && ! -e kept/EmptyInputGivesEmptyOutput ]] || fail "a passed check was kept"
(cd /tmp && sh "$work/kept/ShortTextArrives/replay.sh") >replay.txt 2>&1 || { cat replay.txt; fail "the replay failed to run"; }
grep -q 'replay: \[1\] your pipe exited with status 0; its stdout (0 bytes) is in 1-pipe.stdout' replay.txt ||
  { cat replay.txt; fail "the replay did not show the grader's finding (nothing on stdout)"; }
[[ -f kept/ShortTextArrives/1-pipe.stdout && ! -s kept/ShortTextArrives/1-pipe.stdout ]] || fail "the replay's stdout is not empty"
# The fix replays nothing: the same bytes through the fixed program arrive whole.
cp "$examples/pipe/stdio/pipe.c" mine/pipe.c
"$labgrade" check --lab pipe --keep kept mine >report2.txt 2>&1 || { cat report2.txt; fail "the fixed pipe did not pass"; }
[[ $(ls -A kept) == ".labgrade-keep" ]] || fail "the earlier --keep's folders were not replaced: $(ls -A kept)"

# 2. A check with a reference peer; no reference source in the folder.
"$labgrade" check --lab posix-shm --keep shm "$examples/posix-shm/buggy" >report3.txt 2>&1
[[ $? -eq 1 ]] || { cat report3.txt; fail "posix-shm's buggy example did not fail"; }
[[ -x shm/ConsumerRemovesObject/reference-shm_producer && -x shm/ConsumerRemovesObject/shm_consumer ]] ||
  fail "the reference peer or the student's program is missing: $(ls shm/ConsumerRemovesObject)"
head -c 4 shm/ConsumerRemovesObject/reference-shm_producer | grep -q ELF || fail "the reference peer is not a program"
[[ -z $(find shm kept -name '*.c' -o -name '*.h') ]] || fail "sources in the folder: $(find shm kept -name '*.c' -o -name '*.h')"
for file in "$reference"/posix-shm/*; do
  while IFS= read -r found; do
    cmp -s "$file" "$found" && fail "$found is the reference's $(basename "$file")"
  done < <(find shm -type f)
  # Its distinctive lines (comments and code), anywhere in the folder.
  while IFS= read -r line; do
    line=$(sed 's/^[[:space:]]*//' <<<"$line")
    ((${#line} >= 30)) || continue
    grep -rqaF -- "$line" shm && fail "a line of the reference's $(basename "$file") is in the folder: $line"
  done <"$file"
done
if [[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null; then
  unshare --ipc --mount --propagation private sh -c 'mount -t tmpfs tmpfs /dev/shm && sh "$1"' sh "$work/shm/ConsumerRemovesObject/replay.sh" >replay3.txt 2>&1 ||
    { cat replay3.txt; fail "the posix-shm replay failed to run"; }
  grep -q '/dev/shm/SYSUOS' replay3.txt && grep -q 'replay: \[2\] your shm_consumer exited with status 0' replay3.txt ||
    { cat replay3.txt; fail "the posix-shm replay did not show SYSUOS left in /dev/shm"; }
else
  echo "not root (or no unshare): the posix-shm replay, which uses /dev/shm, is not run"
fi

# 3. Folders that are not labgrade's.
mkdir theirs && echo "my notes" >theirs/notes.txt
"$labgrade" check --lab posix-shm --keep theirs "$examples/posix-shm/buggy" >refused.txt 2>&1
[[ $? -eq 2 ]] && grep -q 'theirs: the folder is not empty, and no earlier --keep made it' refused.txt || { cat refused.txt; fail "a folder of the student's was not refused"; }
[[ $(cat theirs/notes.txt) == "my notes" && $(ls -A theirs) == notes.txt ]] || fail "the refused folder was changed"
echo "mine" >shm/notes.txt
"$labgrade" check --lab posix-shm --keep shm "$examples/posix-shm/buggy" >refused.txt 2>&1
[[ $? -eq 2 ]] && grep -q 'notes.txt is not from an earlier --keep' refused.txt || { cat refused.txt; fail "a file beside the kept folders was not refused"; }
[[ -z $(ls -A "$TMPDIR") ]] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
echo "ok: replays kept for the failed checks, run, and failing as the grader found; no reference source; foreign folders refused"
