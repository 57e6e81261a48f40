#!/usr/bin/env bash
# watch.sh LABGRADE PIPE_EXAMPLE
# `labgrade check --watch` as a student uses it, on a copy of the pipe lab's
# stdio example (full marks):
#  1. the first report comes at once;
#  2. writing files that are not the lab's sources (a.out, notes.txt, an
#     editor's swap file) grades nothing again;
#  3. a bug written into pipe.c in place (the child leaves with _exit and
#     never flushes stdout) brings one new report, with the failure;
#  4. the fix saved the way editors do (a new file renamed over pipe.c)
#     brings the next, with full marks;
#  5. Ctrl-C (SIGINT) ends it with exit 0, and nothing is left behind: no
#     process, no temporary folder, no /dev/shm object;
# and --watch refuses --format json and --output (exit 2), and stops with
# exit 2 when the folder is removed.
# Every wait polls the report file, at most 60 s: no fixed sleep decides an outcome.
set -u
labgrade=$1 example=$2
work=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -KILL $pid 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [[ -f $work/out ]] && { echo "--- its stdout ---"; cat "$work/out"; }; [[ -f $work/err ]] && { echo "--- its stderr ---"; cat "$work/err"; }; exit 1; }
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR" "$work/mine"
cp "$example"/*.c "$work/mine/"
reports() { grep -c '^watching .* for changes (Ctrl-C to stop)' "$work/out" 2>/dev/null; }
wait_for_reports() {  # N: until N reports are out (at most 60 s)
  for _ in $(seq 600); do (($(reports) >= $1)) && return 0; sleep 0.1; done
  fail "report $1 did not come within 60 s"
}
# The text of the last report: from its header line to its footer.
last_report() { awk '/^pipe: /{text=""} {text = text $0 "\n"} END {printf "%s", text}' "$work/out"; }
shm_before=$(ls /dev/shm | sort)

"$labgrade" check --lab pipe --watch "$work/mine" >"$work/out" 2>"$work/err" &
pid=$!
wait_for_reports 1
last_report | grep -q '7/7 points, all checks passed' || fail "the first report is not full marks"

# Not the lab's sources: nothing happens (the next report, below, is the bug's).
printf 'ELF' >"$work/mine/a.out"
echo "todo: read the man page" >"$work/mine/notes.txt"
echo swap >"$work/mine/.pipe.c.swp"
mv "$work/mine/notes.txt" "$work/mine/notes.old"
sleep 1  # longer than the 200 ms debounce: a grading they started would be under way

# The bug, written into pipe.c itself (no rename).
sed -e '/if (fflush(stdout) == EOF) {/,+3d' -e 's/^    exit(0);$/    _exit(0);/' "$work/mine/pipe.c" >"$work/buggy.c"
grep -q '_exit(0)' "$work/buggy.c" && ! grep -q 'fflush' "$work/buggy.c" || fail "the example changed: the bug could not be written"
cp "$work/mine/pipe.c" "$work/fixed.c"
cat "$work/buggy.c" >"$work/mine/pipe.c"
wait_for_reports 2
(($(reports) == 2)) || fail "$(reports) reports after the bug: a file that is not a source was graded"
last_report | grep -q 'FAIL a short text arrives byte for byte' || fail "the second report does not show the bug"
last_report | grep -q 'after pipe.c changed' || fail "the second report does not say pipe.c changed"

# The fix, saved as editors do: a new file renamed over the old one.
cp "$work/fixed.c" "$work/mine/.pipe.c.tmp"
mv "$work/mine/.pipe.c.tmp" "$work/mine/pipe.c"
wait_for_reports 3
last_report | grep -q '7/7 points, all checks passed' || fail "the third report is not full marks"

kill -INT $pid
wait $pid
rc=$?
pid=
[[ $rc -eq 0 ]] || fail "Ctrl-C: exit $rc, not 0"
(($(reports) == 3)) || fail "$(reports) reports in all, not 3"
[[ -z $(pgrep -f "$work") ]] || fail "processes left behind: $(pgrep -af "$work")"
[[ -z $(ls -A "$TMPDIR") ]] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
[[ $(ls /dev/shm | sort) == "$shm_before" ]] || fail "/dev/shm changed: $(ls /dev/shm)"

# What --watch refuses, and a folder that goes away.
"$labgrade" check --lab pipe --watch --format json "$work/mine" >"$work/refused" 2>&1
[[ $? -eq 2 ]] && grep -q -- '--watch shows a text report after each save' "$work/refused" || fail "--watch --format json: $(cat "$work/refused")"
"$labgrade" check --lab pipe --watch --output "$work/report.txt" "$work/mine" >"$work/refused" 2>&1
[[ $? -eq 2 ]] && grep -q -- "can't write them to --output" "$work/refused" || fail "--watch --output: $(cat "$work/refused")"
"$labgrade" check --lab pipe --watch "$work/mine" >"$work/out" 2>"$work/err" &
pid=$!
wait_for_reports 1
rm -rf "$work/mine"
for _ in $(seq 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
wait $pid
rc=$?
pid=
[[ $rc -eq 2 ]] && grep -q 'the folder is gone (deleted or moved): stopped watching' "$work/err" ||
  fail "a removed folder: exit $rc, $(cat "$work/err")"
[[ -z $(ls -A "$TMPDIR") ]] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
echo "ok: 3 reports (full marks, the bug, the fix), nothing graded for other files, Ctrl-C exit 0, a removed folder exit 2"
