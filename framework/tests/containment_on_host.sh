#!/bin/sh
# The hostile lab graded on the host (LABGRADE_ISOLATION=off), as where
# namespaces are not allowed, but inside an outer sandbox of CI's own, so that
# a failure of containment cannot harm the machine: new pid, mount and IPC
# namespaces, a small /dev/shm and a temporary folder of their own (a tmpfs
# on a fresh folder: the checkout itself may lie in /tmp). The outer sh stays
# pid 1; the tests run as pid 2, as labgrade would on a machine.
#   containment_on_host.sh path/to/framework_tests
set -eu
tests=$1
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
  echo "skipped: the outer sandbox needs root and unshare"
  exit 77
fi
scratch=$(mktemp -d)
trap 'rmdir "$scratch"' EXIT
unshare --pid --fork --mount-proc --mount --ipc --propagation private sh -c '
  mount -t tmpfs -o size=64m,mode=1777 tmpfs /dev/shm
  mount -t mqueue mqueue /dev/mqueue 2>/dev/null || true
  mount -t tmpfs -o size=512m,mode=1777 tmpfs "$1"
  LABGRADE_ISOLATION=off LABGRADE_HOSTILE_ON_HOST=1 TMPDIR="$1" "$0" --gtest_filter="Containment.*"
' "$tests" "$scratch"
