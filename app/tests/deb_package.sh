#!/usr/bin/env bash
# deb_package.sh BUILD_DIR SOURCE_DIR
# The Debian packages, as an instructor or a CI machine meets them:
#  1. cpack makes labgrade (the program, the labs with their references, the
#     AppArmor profile, copyright, man page) and labgrade-dev (the framework's
#     headers, static library and CMake package); their contents are checked;
#  2. lintian finds no error in either;
#  3. installed with dpkg, /usr/bin/labgrade grades the bundled examples right
#     (the slides' code 10/10, the buggy one failing) and proves a lab, with the
#     source and build trees out of its reach (an empty tmpfs over each);
#  4. removed again (purged): nothing of it is left.
set -u
build=$1 source=$2
if [[ $(id -u) -ne 0 ]] || ! command -v dpkg >/dev/null || ! command -v cpack >/dev/null || ! command -v unshare >/dev/null; then
  echo "skipped: needs root, dpkg, cpack and unshare"
  exit 77
fi
if dpkg-query -W -f='${Status}' labgrade 2>/dev/null | grep -q installed || [[ -e /usr/bin/labgrade ]]; then
  echo "skipped: a labgrade is installed on this machine already; this test does not replace it"
  exit 77
fi
work=$(mktemp -d)
trap 'dpkg -P labgrade >/dev/null 2>&1; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. The package and its contents.
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/pkg/labgrade_*.deb) || fail "no labgrade .deb made"
dev=$(ls "$work"/pkg/labgrade-dev_*.deb) || fail "no labgrade-dev .deb made"
for package in "$deb" "$dev"; do
  echo "package: $(basename "$package"), $(stat -c %s "$package") bytes"
  dpkg-deb -I "$package" | grep -E "^ (Depends|Installed-Size):"
done
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
dpkg-deb -c "$dev" | awk '{print $6}' >"$work/dev-contents"
for path in ./usr/include/labgrade/check.hpp ./usr/include/labgrade/lab_data.hpp ./usr/lib/liblabgrade_framework.a \
            ./usr/lib/liblabgrade_student.a ./usr/share/labgrade/graders/posix-shm/posix_shm_checks.cpp \
            ./usr/lib/cmake/labgrade/labgradeConfig.cmake ./usr/lib/cmake/labgrade/labgradeTargets.cmake \
            ./usr/share/doc/labgrade-dev/copyright; do
  grep -qx "$path" "$work/dev-contents" || fail "labgrade-dev lacks $path"
done
grep -q "^./usr/include\|\.a$" "$work/contents" && fail "the labgrade package holds the framework's development files"
for path in ./usr/bin/labgrade ./usr/share/labgrade/labs/posix-shm/lab.toml ./usr/share/labgrade/labs/posix-shm/README.md \
            ./usr/share/labgrade/labs/posix-shm/starter/shm_producer.c ./usr/share/labgrade/reference/posix-shm/shm_consumer.c \
            ./etc/apparmor.d/labgrade ./usr/share/doc/labgrade/copyright ./usr/share/man/man1/labgrade.1.gz; do
  grep -qx "$path" "$work/contents" || fail "the package lacks $path"
done
grep -q "^./tmp\|^./usr/local\|/build/" "$work/contents" && fail "the package holds paths of the build machine"
dpkg-deb -I "$deb" | grep "^ Depends:" | grep -qE "googletest|libgtest|chromium|cmake" && fail "the package depends on a test or build tool"

# 2. lintian: no error (warnings are printed).
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" "$dev" 2>&1 | grep -v "root privileges" | tee "$work/lintian"
  grep -q "^E:" "$work/lintian" && fail "lintian found errors"
fi

# 3. Installed, graded with the source and build trees out of reach.
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
cp -r "$source/examples/posix-shm" "$work/examples"
export LABGRADE_CACHE_DIR=$work/cache
unshare --mount --propagation private bash -c '
  mount -t tmpfs tmpfs "$2" && mount -t tmpfs tmpfs "$1" || exit 90  # the build tree first: it may lie in the source tree
  cd /
  /usr/bin/labgrade list | grep -q posix-shm || exit 91
  /usr/bin/labgrade check --lab posix-shm "$3/slides" >"$4/slides.txt"; [[ $? -eq 0 ]] || exit 92
  /usr/bin/labgrade check --lab posix-shm "$3/buggy" >"$4/buggy.txt"; [[ $? -eq 1 ]] || exit 93
  /usr/bin/labgrade selftest posix-shm >"$4/selftest.txt" 2>&1 || exit 94
' sh "$source" "$build" "$work/examples" "$work"
code=$?
case $code in
  0) ;;
  90) fail "could not hide the source and build trees" ;;
  91) fail "the installed labgrade does not list its labs" ;;
  92) cat "$work/slides.txt"; fail "the installed labgrade does not give the slides' code full marks" ;;
  93) cat "$work/buggy.txt"; fail "the installed labgrade does not fail the buggy submission" ;;
  94) cat "$work/selftest.txt"; fail "the installed labgrade does not prove posix-shm" ;;
  *) fail "exit $code" ;;
esac
grep -q "10/10 points" "$work/slides.txt" || fail "no 10/10 for the slides"
echo "ok: the installed /usr/bin/labgrade graded the examples and proved posix-shm without the source or build tree"

# 4. Purged: nothing left.
dpkg -P labgrade >/dev/null 2>&1 || fail "dpkg -P failed"
for path in /usr/bin/labgrade /usr/share/labgrade /etc/apparmor.d/labgrade /usr/share/doc/labgrade; do
  [[ -e $path ]] && fail "$path is left after purging"
done
echo "ok: purged, nothing left"
