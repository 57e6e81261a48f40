#!/usr/bin/env bash
# gradescope_autograder.sh REPO SUBMISSION EXPECTED_SCORE
# Runs docs/gradescope/run_autograder as Gradescope would, in a fake
# /autograder (AUTOGRADER_ROOT), on a copy of SUBMISSION: results.json must
# hold Gradescope's fields and the expected score.
set -u
repo=$1 submission=$2 expected=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/source" "$root/submission"
ln -s "$repo" "$root/source/labgrade"
echo posix-shm >"$root/source/LAB"
cp -r "$submission"/. "$root/submission/"
AUTOGRADER_ROOT=$root "$repo/docs/gradescope/run_autograder" || { echo "run_autograder failed"; exit 1; }
results=$root/results/results.json
[[ -s $results ]] || { echo "no results.json"; exit 1; }
status=0
for field in '"score": '"$expected" '"max_score": ' '"execution_time": ' '"output": ' '"tests": ' '"status": "failed"' '"visibility": '; do
  grep -q "$field" "$results" || { echo "results.json lacks $field"; status=1; }
done
[[ $status -eq 0 ]] || cat "$results"
exit $status
