#!/usr/bin/env bash
# The 8 MiB checks (pipe, fifo) against the same transfer run bare, in one run.
#   bench/transfer_8mib.sh [RUNS]     (default 5; medians)
# check = time(check --only BinaryDataArrives) - time(check --only <its build check>):
# both compile the same programs, so the difference is the check itself (its
# world, 8 MiB of fresh random bytes in, the output read back and compared).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
labgrade=build/labgrade
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export LABGRADE_CACHE_DIR="$scratch/cache"
head -c $((8 << 20)) /dev/urandom >"$scratch/in"
for p in pipe fifo_writer fifo_reader; do
  lab=pipe; [[ $p == fifo_* ]] && lab=fifo
  gcc -std=gnu11 -Wall -O2 -o "$scratch/$p" "reference/$lab/$p.c" -lrt -lpthread
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

bare_pipe() {
  local t0 t1; t0=$(now)
  "$scratch/pipe" <"$scratch/in" >"$scratch/out"
  t1=$(now); cmp -s "$scratch/in" "$scratch/out" || exit 1; elapsed "$t0" "$t1"
}
bare_fifo() {
  local t0 t1; t0=$(now)
  "$scratch/fifo_writer" "$scratch/f" <"$scratch/in" & "$scratch/fifo_reader" "$scratch/f" >"$scratch/out"; wait
  t1=$(now); cmp -s "$scratch/in" "$scratch/out" || exit 1; elapsed "$t0" "$t1"
}
check_once() {  # LAB CHECK
  local t0 t1; t0=$(now)
  "$labgrade" check --lab "$1" --only "$2" "reference/$1" >/dev/null || { echo "check $1 $2 failed" >&2; exit 1; }
  t1=$(now); elapsed "$t0" "$t1"
}

for lab in pipe fifo; do
  build=BothProgramsBuild; [[ $lab == pipe ]] && build=Builds
  check_once "$lab" "$build" >/dev/null
  : >"$scratch/bare"; : >"$scratch/check"; : >"$scratch/build"
  for ((i = 0; i < runs; i++)); do
    "bare_$lab" >>"$scratch/bare"
    check_once "$lab" BinaryDataArrives >>"$scratch/check"
    check_once "$lab" "$build" >>"$scratch/build"
  done
  awk -v lab="$lab" -v bare="$(median <"$scratch/bare")" -v c="$(median <"$scratch/check")" -v b="$(median <"$scratch/build")" -v n="$runs" 'BEGIN {
    printf "%-5s 8 MiB bare: %.3f s   check BinaryDataArrives: %.3f s (%.3f - %.3f)   ratio %.2f  (median of %d)\n", lab, bare, c - b, c, b, (c - b) / bare, n
  }'
done
