#!/usr/bin/env bash
# starter_compiles.sh LABGRADE LAB_DIR
# The lab's starter files, as a student first gets them, pass its build check
# (the first check whose name holds "Build": they compile with the lab's flags,
# warnings and all), so that the handout's first step works.
set -u
labgrade=$1 lab_dir=$2
lab=$(basename "$lab_dir")
check=$(grep -o 'test = "[A-Za-z]*Build[A-Za-z]*"' "$lab_dir/lab.toml" | head -1 | cut -d'"' -f2)
[[ -n $check ]] || { echo "FAIL: $lab has no build check"; exit 1; }
"$labgrade" check --lab "$lab" --only "$check" "$lab_dir/starter"
