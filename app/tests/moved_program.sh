#!/usr/bin/env bash
# moved_program.sh LABGRADE ARGS...: runs a copy of the program from a fresh
# folder (neither installed nor in its build tree), as a user who copied it.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$1" "$dir/labgrade"
shift
"$dir/labgrade" "$@"
