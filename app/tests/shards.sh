#!/usr/bin/env bash
# shards.sh LABGRADE EXAMPLES
# A class graded in shards, then merged, is the class graded in one run:
# grades.csv and report.html byte for byte; every student in exactly one
# shard; a shard taken from Slurm's or Kubernetes' array variables is the
# same slice as --shard K/N; a failed shard run again alone completes the
# class; a student in two shards, or a folder that is no shard's, is exit 2.
set -u
labgrade=$1 examples=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
grade() { "$labgrade" grade --lab posix-shm --jobs 2 "$@" >>"$work/log" 2>&1 || { cat "$work/log"; fail "grade $*"; }; }

class=$work/class
for i in $(seq 1 9); do
  mkdir -p "$class/student$i"
  cp "$examples"/posix-shm/slides/*.c "$class/student$i/"
done
cp "$examples"/posix-shm/buggy/*.c "$class/student4/"
mkdir "$class/nothing-handed-in"

grade --out "$work/whole" "$class"
for k in 1 2 3; do grade --shard "$k/3" --out "$work/shard$k" "$class"; done

# Every student in exactly one shard.
listed=$(cd "$work" && ls -d shard*/*/ | sed 's|^shard[0-9]*/||' | sort)
[[ $listed == "$(cd "$class" && ls -d */ | sort)" ]] || fail "the shards do not hold each student once: $listed"

"$labgrade" merge "$work/merged" "$work/shard1" "$work/shard2" "$work/shard3" >>"$work/log" 2>&1 || { cat "$work/log"; fail "merge"; }
cmp -s "$work/whole/grades.csv" "$work/merged/grades.csv" || { diff "$work/whole/grades.csv" "$work/merged/grades.csv"; fail "grades.csv differs from one run's"; }
cmp -s "$work/whole/report.html" "$work/merged/report.html" || fail "report.html differs from one run's"
untimed() { sed -E 's/ in [0-9.]+ s$//' "$1"; }  # the time a grading took: the one field that differs
[[ $(untimed "$work/whole/student4/feedback.txt") == "$(untimed "$work/merged/student4/feedback.txt")" ]] ||
  fail "a student's feedback differs from one run's"

# The array engines' variables: the same slices.
SLURM_ARRAY_TASK_ID=12 SLURM_ARRAY_TASK_MIN=10 SLURM_ARRAY_TASK_COUNT=3 grade --out "$work/slurm" "$class"
JOB_COMPLETION_INDEX=2 grade --shards 3 --out "$work/k8s" "$class"
for engine in slurm k8s; do
  [[ $(ls "$work/$engine" | grep -v '\.') == "$(ls "$work/shard3" | grep -v '\.')" ]] || fail "$engine's index 3 of 3 is not --shard 3/3"
done
JOB_COMPLETION_INDEX=2 "$labgrade" grade --lab posix-shm --out "$work/x" "$class" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "an index without --shards was accepted"
"$labgrade" grade --lab posix-shm --shard 4/3 --out "$work/x" "$class" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "--shard 4/3 was accepted"

# A shard lost and run again alone completes the class.
rm -rf "$work/shard2"
grade --shard 2/3 --out "$work/shard2" "$class"
"$labgrade" merge "$work/again" "$work/shard1" "$work/shard2" "$work/shard3" >/dev/null 2>&1 || fail "merge after a rerun"
cmp -s "$work/whole/grades.csv" "$work/again/grades.csv" || fail "after a shard's rerun, grades.csv differs"

"$labgrade" merge "$work/y" "$work/shard1" "$work/shard1" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "a student in two shards was merged"
"$labgrade" merge "$work/y" "$class" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "a folder that is no shard's OUT was merged"
echo "shards: 10 students in 3 shards merged equal one run; Slurm's and Kubernetes' indexes give the same slices"
