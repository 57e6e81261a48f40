#!/usr/bin/env bash
# Builds labgrade and runs all its tests: the framework's own tests and
# every lab's selftest (reference full marks, every mutant caught).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --preset default
