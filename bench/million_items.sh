#!/usr/bin/env bash
# The bounded-buffer check "1,000,000 items within 10 s" against the same two
# programs run bare, in the same run: the grader's cost over the transfer.
#   bench/million_items.sh [SUBMISSION] [RUNS]   (default: examples/bounded-buffer/slides, 5)
# grader = time(check --only MillionItemsInTime) - time(check --only BuildsWithEveryBufferSize):
# both runs compile the same programs, so the difference is the check itself
# (its world, 1,000,000 random items written and read back, the comparison).
set -euo pipefail
cd "$(dirname "$0")/.."
submission=${1:-examples/bounded-buffer/slides}
runs=${2:-5}
labgrade=build/labgrade
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"; rm -f /dev/shm/SYSUOS_bb' EXIT
export LABGRADE_CACHE_DIR="$scratch/cache"

for p in bb_producer bb_consumer; do
  gcc -std=gnu11 -Wall -O2 -Ilabs/bounded-buffer/include -o "$scratch/$p" "$submission/$p.c" -lrt -lpthread
done
# The check's kind of input: 7-digit values, either sign, one a line.
awk 'BEGIN { srand(42); for (i = 0; i < 1000000; i++) print (rand() < 0.5 ? "-" : "") (1000000 + int(rand() * 9000000)) }' >"$scratch/items"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

bare_once() {
  local t0 t1
  rm -f /dev/shm/SYSUOS_bb
  t0=$(now)
  "$scratch/bb_consumer" 1000000 >"$scratch/out" &
  "$scratch/bb_producer" <"$scratch/items" >/dev/null
  wait
  t1=$(now)
  cmp -s "$scratch/items" "$scratch/out" || { echo "bare run: wrong output" >&2; exit 1; }
  elapsed "$t0" "$t1"
}

check_once() {
  local t0 t1
  t0=$(now)
  "$labgrade" check --lab bounded-buffer --only "$1" "$submission" >/dev/null || { echo "check $1 failed" >&2; exit 1; }
  t1=$(now)
  elapsed "$t0" "$t1"
}

check_once BuildsWithEveryBufferSize >/dev/null  # fills the reference cache
: >"$scratch/bare"; : >"$scratch/million"; : >"$scratch/build"
for ((i = 0; i < runs; i++)); do
  bare_once >>"$scratch/bare"
  check_once MillionItemsInTime >>"$scratch/million"
  check_once BuildsWithEveryBufferSize >>"$scratch/build"
done
awk -v bare="$(median <"$scratch/bare")" -v m="$(median <"$scratch/million")" -v b="$(median <"$scratch/build")" -v n="$runs" 'BEGIN {
  check = m - b
  printf "bare transfer (producer | consumer, 1,000,000 items): %.3f s (median of %d)\n", bare, n
  printf "check MillionItemsInTime, build time taken out:       %.3f s (%.3f - %.3f)\n", check, m, b
  printf "ratio check/bare:                                     %.2f (target < 1.10)\n", check / bare
}'
