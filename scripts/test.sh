#!/usr/bin/env bash
# Builds labgrade and runs all its tests: the framework's own tests (the
# hostile programs among them), every lab's selftest (reference full marks,
# every mutant caught) and the command line's. Then proves that nothing was
# left on the machine: processes, /dev/shm objects, System V objects, cgroups,
# temporary directories (anything there after the tests that was not there
# before them).
set -euo pipefail
cd "$(dirname "$0")/.."

# One line a thing: "what: name".
leftovers() {
  ls -A /dev/shm 2>/dev/null | sed 's|^|/dev/shm: |' || true
  ipcs 2>/dev/null | awk '/^0x/ {print "System V: " $1 " " $2}' || true
  find /sys/fs/cgroup -maxdepth 4 -type d -name 'labgrade-*' 2>/dev/null | sed 's|^|cgroup: |' || true
  ls -d "${TMPDIR:-/tmp}"/labgrade-* 2>/dev/null | sed 's|^|temporary: |' || true
  pgrep -f 'labgrade|framework_tests|__run-checks' 2>/dev/null | grep -v "^$$\$" | sed 's|^|process: |' || true
}

scripts/build.sh
before=$(leftovers | sort)
ctest --preset default
after=$(leftovers | sort)
left=$(comm -13 <(echo "$before") <(echo "$after"))
if [[ -n "$left" ]]; then
  echo "test.sh: the tests left something behind:" >&2
  echo "$left" >&2
  exit 1
fi
echo "test.sh: nothing left behind (processes, /dev/shm, System V objects, cgroups, temporary directories)"
