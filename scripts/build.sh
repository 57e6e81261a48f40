#!/usr/bin/env bash
# Configures and builds labgrade into build/ (the program: build/labgrade).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
