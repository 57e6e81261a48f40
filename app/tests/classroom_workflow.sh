#!/usr/bin/env bash
# classroom_workflow.sh LABGRADE SUBMISSION WORKFLOW
# Replays the `run:` steps of the GitHub Classroom workflow (WORKFLOW, the
# file students get) as the runner runs them, in a fresh folder: the kit is
# made as the course would publish it and "downloaded" from a file:// URL by
# the workflow's own command; SUBMISSION is the checkout. The Grade step must
# fail (the buggy submission) with a JUnit report holding a failed check;
# nothing is built and no C source but the submission's is there. Prints
# the push's grading time (the steps after the checkout).
set -u
labgrade=$1 submission=$2 workflow=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
lab=$(awk '/^  LAB:/ {print $2}' "$workflow")
"$labgrade" kit --lab "$lab" --out "$work/labgrade-$lab.tar.gz" >/dev/null || fail "the course's kit"
runner=$work/runner
mkdir -p "$runner/submission" && cp -r "$submission"/. "$runner/submission/"
# Each `run: |` block, as a script of its own, with the workflow's env.
awk '
  /^[[:space:]]*run: \|/ { n++; match($0, /^ */); indent = RLENGTH + 2; file = sprintf("%s/step%d.sh", dir, n); next }
  file != "" { match($0, /^ */); if (RLENGTH < indent && $0 !~ /^[[:space:]]*$/) { file = ""; next } print substr($0, indent + 1) > file }
' dir="$work" "$workflow"
ls "$work"/step*.sh >/dev/null 2>&1 || fail "no run: steps found in $workflow"
sudo() { "$@"; }  # the runner's sudo; this test runs as root
export -f sudo
export LAB=$lab LABGRADE_KIT_URL=file://$work/labgrade-$lab.tar.gz LABGRADE_CACHE_DIR=$work/cache
start=$(date +%s.%N)
codes=()
for step in "$work"/step*.sh; do
  (cd "$runner" && bash --noprofile --norc -eo pipefail "$step") >"$step.log" 2>&1
  codes+=($?)
done
end=$(date +%s.%N)
[[ ${codes[0]} -eq 0 ]] || { cat "$work/step1.sh.log"; fail "the kit step failed"; }
[[ ${codes[1]} -eq 1 ]] || { cat "$work/step2.sh.log"; fail "the Grade step gave ${codes[1]}, not 1 (a check failed)"; }
grep -q "<failure" "$runner/labgrade.xml" || fail "labgrade.xml holds no failed check"
grep -q "points" "$work/step2.sh.log" || fail "the readable report is not in the log"
[[ -z $(find "$runner" -name '*.c' -not -path "$runner/submission/*" -not -path '*/starter/*') ]] || fail "C sources beside the submission"
[[ -z $(find "$runner" -name CMakeLists.txt) ]] || fail "labgrade's sources are on the runner"
echo "a push graded in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}') s (kit download and unpack, two checks, no build)"
