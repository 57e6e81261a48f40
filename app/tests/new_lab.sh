#!/usr/bin/env bash
# new_lab.sh LABGRADE: `labgrade new-lab` writes a skeleton in a fresh course
# folder that builds and whose selftest proves it (its checks compiled on
# first use); a second new-lab of the same name overwrites nothing (exit 2).
set -u
labgrade=$1
course=$(mktemp -d)
trap 'rm -rf "$course"' EXIT
"$labgrade" new-lab demo-lab --course "$course" || exit 1
"$labgrade" --course "$course" selftest demo-lab || exit 1
"$labgrade" new-lab demo-lab --course "$course" 2>&1 | grep -q "exists already" || { echo "FAIL: new-lab overwrote a lab"; exit 1; }
