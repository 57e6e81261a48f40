#!/bin/bash
# Submits the array (one task a shard) and, once every task has succeeded,
# the merge: OUT gets grades.csv, report.html and every student's folder.
#   LAB=posix-shm SUBMISSIONS=$PWD/submissions OUT=$PWD/out docs/slurm/submit.sh [SHARDS]
# A task that failed: run it again alone (sbatch --array=K labgrade.sbatch), then
# the merge (labgrade merge "$OUT" "$OUT".shard*): the other shards are kept.
set -euo pipefail
shards=${1:-8}
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?set OUT}"
LABGRADE=${LABGRADE:-labgrade}
array=$(sbatch --parsable --export=ALL --array=1-"$shards" "$here/labgrade.sbatch")
shard_outs=()
for ((k = 1; k <= shards; k++)); do shard_outs+=("$OUT.shard$k"); done
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"$array" --job-name=labgrade-merge \
  --output=labgrade-merge-%j.log --wrap "$(printf '%q ' "$LABGRADE" merge "$OUT" "${shard_outs[@]}")")
echo "array $array ($shards shards), merge $merge: $OUT/grades.csv when both are done"
