#!/usr/bin/env bash
# make_autograder.sh LAB [OUT.zip] — the zip to upload as a Gradescope
# programming assignment's autograder: setup.sh, run_autograder, the lab's
# name, and labgrade's source at the current commit (git archive).
set -euo pipefail
lab=${1:?usage: make_autograder.sh LAB [OUT.zip]}
out=$(realpath -m "${2:-autograder-$lab.zip}")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[[ -f "$repo/labs/$lab/lab.toml" ]] || { echo "make_autograder.sh: no lab $lab in $repo/labs" >&2; exit 2; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The zip's root becomes /autograder/source on Gradescope (run_autograder is
# also copied to /autograder/run_autograder).
mkdir -p "$stage/labgrade"
git -C "$repo" archive HEAD | tar -x -C "$stage/labgrade"
cp "$here/setup.sh" "$here/run_autograder" "$stage/"
echo "$lab" >"$stage/LAB"
rm -f "$out"
(cd "$stage" && zip -qr "$out" .)
echo "wrote $out (lab $lab)"
