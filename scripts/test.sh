#!/usr/bin/env bash
# Builds labgrade and runs all its tests: the framework's own tests (the
# hostile programs among them), every lab's selftest (reference full marks,
# every mutant caught) and the command line's. Then proves that nothing was
# left on the machine: processes, /dev/shm objects, System V objects, cgroups,
# temporary directories.
set -euo pipefail
cd "$(dirname "$0")/.."

leftovers() {
  echo "/dev/shm: $(ls -A /dev/shm 2>/dev/null | sort | tr '\n' ' ')"
  echo "System V: $(ipcs 2>/dev/null | grep -c '^0x' || true)"
  echo "cgroups: $(find /sys/fs/cgroup -maxdepth 4 -type d -name 'labgrade-*' 2>/dev/null | sort | tr '\n' ' ')"
  echo "temporary: $(ls -d "${TMPDIR:-/tmp}"/labgrade-* 2>/dev/null | sort | tr '\n' ' ')"
  echo "processes: $(pgrep -f 'labgrade|framework_tests|__run-checks' | grep -v "^$$\$" | sort | tr '\n' ' ')"
}

scripts/build.sh
before=$(leftovers)
ctest --preset default
after=$(leftovers)
if [[ "$before" != "$after" ]]; then
  echo "test.sh: the tests left something behind" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "test.sh: nothing left behind (processes, /dev/shm, System V objects, cgroups, temporary directories)"
