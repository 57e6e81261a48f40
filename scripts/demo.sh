#!/usr/bin/env bash
# The demo: builds labgrade, then grades the bundled posix-shm submissions —
# the lecture slides' code (10/10) and a typical buggy one (a failing report
# with hints). Exits 0 when both reports come out as they should.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh || exit 1

echo
echo "=== The slides' shm_producer.c / shm_consumer.c ==="
build/labgrade check --lab posix-shm examples/posix-shm/slides
slides=$?
echo
echo "=== A buggy submission (the consumer forgets shm_unlink) ==="
build/labgrade check --lab posix-shm examples/posix-shm/buggy
buggy=$?
echo
if [[ $slides -eq 0 && $buggy -eq 1 ]]; then
  echo "demo: as expected (slides: exit 0, buggy: exit 1)"
else
  echo "demo: unexpected exit codes (slides: $slides, buggy: $buggy)" >&2
  exit 1
fi
