#!/usr/bin/env bash
# Flakiness under load: grades every bundled correct submission (each lab's
# reference and examples/<lab>/*, the buggy demo excepted) ROUNDS times while
# LOAD busy loops keep the cores busy, and counts verdict flips: a check whose
# verdict differs from its first one. Target: 0.
#   bench/soak.sh [ROUNDS] [LOAD] [LAB...]   (default 20 rounds, 2 busy loops, every lab)
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
load=${2:-2}
only=("${@:3}")
labgrade=build/labgrade
scratch=$(mktemp -d)
busy=()
cleanup() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done; rm -rf "$scratch"; }
trap cleanup EXIT
export LABGRADE_CACHE_DIR="$scratch/cache"

submissions=()
for lab_dir in labs/*/; do
  lab=$(basename "$lab_dir")
  [[ -f $lab_dir/lab.toml ]] || continue
  [[ ${#only[@]} -eq 0 || " ${only[*]} " == *" $lab "* ]] || continue
  submissions+=("$lab reference/$lab")
  for dir in examples/"$lab"/*/; do
    [[ -d $dir && $(basename "$dir") != buggy ]] && submissions+=("$lab ${dir%/}")
  done
done

for ((i = 0; i < load; i++)); do (while :; do :; done) & busy+=($!); done

runs=0; checks=0; flips=0; wrong=0
declare -A first
for ((r = 1; r <= rounds; r++)); do
  for entry in "${submissions[@]}"; do
    read -r lab dir <<<"$entry"
    out=$("$labgrade" check --lab "$lab" --format json "$dir" 2>&1)
    runs=$((runs + 1))
    while IFS=$'\t' read -r name status max; do
      [[ -z $name ]] && continue
      key="$dir|$name"
      checks=$((checks + 1))
      if [[ $status != passed && $max != 0* ]]; then
        wrong=$((wrong + 1))
        echo "wrong verdict: $dir: \"$name\" $status on a correct submission (round $r)"
      fi
      if [[ -z ${first[$key]:-} ]]; then
        first[$key]=$status
      elif [[ ${first[$key]} != "$status" ]]; then
        flips=$((flips + 1))
        echo "flip: $dir: \"$name\" was ${first[$key]}, now $status (round $r)"
        echo "$out" | grep -A3 "\"$name\"" | head -5
      fi
    done < <(echo "$out" | awk -F'"' '/"name":/ {name=$4} /"max_score":/ {split($3, v, /[:,]/); max=v[2]; gsub(/ /, "", max)} /"status":/ {print name "\t" $4 "\t" max}')
  done
  echo "round $r/$rounds: $runs gradings, $checks check runs, $flips flips, $wrong wrong verdicts"
done
echo "soak: $rounds rounds x ${#submissions[@]} submissions under $load busy loops: $checks check runs, $flips flips, $wrong wrong verdicts"
[[ $flips -eq 0 && $wrong -eq 0 ]]
