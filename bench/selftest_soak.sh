#!/usr/bin/env bash
# Every lab's selftest (reference full marks, every mutant caught) ROUNDS times
# while LOAD busy loops keep the cores busy; counts the rounds in which a lab
# was not proved (a flip of some verdict). Target: 0.
#   bench/selftest_soak.sh [ROUNDS] [LOAD]      (default 20 rounds, 2 busy loops)
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
load=${2:-2}
scratch=$(mktemp -d)
busy=()
cleanup() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done; rm -rf "$scratch"; }
trap cleanup EXIT
export LABGRADE_CACHE_DIR="$scratch/cache"
for ((i = 0; i < load; i++)); do (while :; do :; done) & busy+=($!); done

labs=$(build/labgrade list | awk '{print $1}')
failures=0
for ((r = 1; r <= rounds; r++)); do
  for lab in $labs; do
    if ! out=$(build/labgrade selftest "$lab" 2>&1); then
      failures=$((failures + 1))
      echo "round $r: $lab NOT PROVED"
      echo "$out" | grep -E "FAIL|NOT CAUGHT|GRADER ERROR" | head -10
    fi
  done
  echo "round $r/$rounds done: $failures lab selftests not proved so far"
done
echo "selftest soak: $rounds rounds x $(echo $labs | wc -w) labs under $load busy loops: $failures not proved"
[[ $failures -eq 0 ]]
