#!/usr/bin/env bash
# expect.sh EXIT [--contains TEXT]... -- COMMAND...
# Runs COMMAND; passes when it exits with EXIT and its stdout+stderr contain every TEXT.
set -u
expected=$1; shift
needles=()
while [[ $# -gt 0 && $1 != "--" ]]; do
  [[ $1 == --contains ]] && { needles+=("$2"); shift 2; continue; }
  echo "expect.sh: unknown option $1" >&2; exit 2
done
shift
output=$("$@" 2>&1)
rc=$?
status=0
if [[ $rc -ne $expected ]]; then
  echo "expected exit $expected, got $rc: $*"; status=1
fi
for n in "${needles[@]}"; do
  if [[ $output != *"$n"* ]]; then echo "expected the output to contain: $n"; status=1; fi
done
[[ $status -eq 0 ]] || printf '%s\n' "--- output ---" "$output"
exit $status
