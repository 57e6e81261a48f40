#!/usr/bin/env bash
# gradescope_autograder.sh LABGRADE LAB SUBMISSION EXPECTED_SCORE
# Makes Gradescope's autograder zip (labgrade kit --gradescope), unpacks it
# in a fake /autograder (AUTOGRADER_ROOT) as Gradescope does, runs its
# setup.sh (gcc is here already: no apt) and run_autograder on a copy of
# SUBMISSION: results.json must hold Gradescope's fields and the expected
# score, and the zip no reference source.
set -u
labgrade=$1 lab=$2 submission=$3 expected=$4
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/source" "$root/submission"
"$labgrade" kit --lab "$lab" --gradescope --out "$root/autograder.zip" || { echo "kit --gradescope failed"; exit 1; }
unzip -q "$root/autograder.zip" -d "$root/source"
for f in setup.sh run_autograder LAB labgrade/bin/labgrade; do
  [[ -e $root/source/$f ]] || { echo "the zip lacks $f"; exit 1; }
done
if find "$root/source" -name '*.c' -not -path '*/starter/*' | grep -q .; then echo "the zip holds C sources:"; find "$root/source" -name '*.c'; exit 1; fi
AUTOGRADER_ROOT=$root "$root/source/setup.sh" >/dev/null || { echo "setup.sh failed"; exit 1; }
cp -r "$submission"/. "$root/submission/"
cp "$root/source/run_autograder" "$root/run_autograder"   # where Gradescope puts it
AUTOGRADER_ROOT=$root "$root/run_autograder" || { echo "run_autograder failed"; exit 1; }
results=$root/results/results.json
[[ -s $results ]] || { echo "no results.json"; exit 1; }
status=0
for field in '"score": '"$expected" '"max_score": ' '"execution_time": ' '"output": ' '"tests": ' '"status": "failed"' '"visibility": '; do
  grep -q "$field" "$results" || { echo "results.json lacks $field"; status=1; }
done
[[ $status -eq 0 ]] || cat "$results"
exit $status
