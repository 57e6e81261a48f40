#!/usr/bin/env bash
# Two labgrade builds side by side in one run: `check` on the slides'
# posix-shm code (interleaved runs, median of each) and one world (their
# world_bench), so that a change's cost is a ratio taken on the same machine
# at the same moment.
#   bench/compare_builds.sh OLD_LABGRADE OLD_WORLD_BENCH [RUNS]
#   (the new build is build/labgrade and build/bench/world_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 old_world=$2 runs=${3:-21}
new=build/labgrade new_world=build/bench/world_bench
src=examples/posix-shm/slides
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
once() {  # LABGRADE CACHE
  local t0 t1
  t0=$(now)
  LABGRADE_CACHE_DIR=$2 "$1" check --lab posix-shm "$src" >/dev/null
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}

once "$old" "$scratch/old-cache" >/dev/null   # fills each build's reference cache
once "$new" "$scratch/new-cache" >/dev/null
: >"$scratch/old"; : >"$scratch/new"
for ((i = 0; i < runs; i++)); do
  once "$old" "$scratch/old-cache" >>"$scratch/old"
  once "$new" "$scratch/new-cache" >>"$scratch/new"
done
o=$(median <"$scratch/old") n=$(median <"$scratch/new")
awk -v o="$o" -v n="$n" -v r="$runs" 'BEGIN {
  printf "check on the slides, old build: %.1f ms, new build: %.1f ms (medians of %d, interleaved): new/old %.3f\n", o * 1000, n * 1000, r, n / o
}'
echo "old world:"; "$old_world" 300 | sed 's/^/  /'
echo "new world:"; "$new_world" 300 | sed 's/^/  /'
