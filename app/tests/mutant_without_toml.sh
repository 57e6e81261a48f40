#!/usr/bin/env bash
# mutant_without_toml.sh LABGRADE SOURCE_DIR
# A folder of a lab's mutants/ without its mutant.toml would prove nothing,
# silently: selftest refuses it (exit 2), naming the file that is missing.
set -u
labgrade=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/labs" "$work/reference"
cp -r "$source/labs/posix-shm" "$work/labs/"
cp -r "$source/reference/posix-shm" "$work/reference/"
mkdir "$work/labs/posix-shm/mutants/forgotten"
cp "$source/reference/posix-shm/shm_consumer.c" "$work/labs/posix-shm/mutants/forgotten/"
"$labgrade" --labs-dir "$work/labs" selftest posix-shm
