#!/usr/bin/env bash
# junit_validates.sh LABGRADE XSD LAB SUBMISSION
# The JUnit report of a graded submission (failed checks included) is valid
# against the JUnit XML schema that CI test reporters follow.
set -u
labgrade=$1 xsd=$2 lab=$3 submission=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$labgrade" check --lab "$lab" --format junit --output "$out" "$submission"
rc=$?
if [[ $rc -gt 1 ]]; then echo "labgrade check exited with $rc"; exit 1; fi
xmllint --noout --schema "$xsd" "$out" || { echo "--- the report ---"; cat "$out"; exit 1; }
grep -q '<testcase ' "$out" || { echo "no testcase in the report"; exit 1; }
