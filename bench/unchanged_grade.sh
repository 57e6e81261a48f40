#!/usr/bin/env bash
# The fixed cost of `labgrade grade` when nothing changed: a class of N
# students (the slides' posix-shm code, each copy made distinct by a comment)
# graded once, then graded again RUNS times; every student's earlier result is
# reused (same fingerprint), so what is timed is labgrade's own start, the
# fingerprints and writing grades.csv and report.html. Prints the median.
#   bench/unchanged_grade.sh [N] [RUNS] [LABGRADE]   (default 200 students, 5 runs, build/labgrade)
set -euo pipefail
cd "$(dirname "$0")/.."
students=${1:-200}
runs=${2:-5}
labgrade=${3:-build/labgrade}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export LABGRADE_CACHE_DIR="$scratch/cache"

for ((i = 1; i <= students; i++)); do
  dir=$scratch/class/student$i
  mkdir -p "$dir"
  for f in examples/posix-shm/slides/*.c; do
    { cat "$f"; echo "/* student $i */"; } >"$dir/$(basename "$f")"
  done
done
t0=$(date +%s.%N)
"$labgrade" --labs-dir labs grade --lab posix-shm --out "$scratch/out" "$scratch/class" >"$scratch/first.txt" 2>&1 ||
  { [[ -f $scratch/out/grades.csv ]] || { cat "$scratch/first.txt"; exit 1; }; }
t1=$(date +%s.%N)
echo "first grade of $students students: $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"
times=()
for ((r = 1; r <= runs; r++)); do
  t0=$(date +%s.%N)
  "$labgrade" --labs-dir labs grade --lab posix-shm --out "$scratch/out" "$scratch/class" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "grade of $students unchanged students: $(awk -v m="$median" 'BEGIN {printf "%.3f", m}') s (median of $runs)"
