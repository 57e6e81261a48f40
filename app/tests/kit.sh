#!/usr/bin/env bash
# kit.sh BUILD_DIR SOURCE_DIR
# Student kits, as an instructor makes them and a student uses them:
# labgrade installed into a fresh prefix (labgrade and labgrade-dev) makes
# the kit of a bundled lab (posix-shm) and of a course's lab (a renamed copy
# of posix-shm with one check made hidden). Each kit is unpacked in a fresh
# folder by an unprivileged user with this repository's build/ and source
# tree out of reach (an empty tmpfs over each), and grades the bundled
# correct and buggy examples right (also without namespaces), keeps the
# buggy one's failed checks for a replay by hand (--keep: the reference as a
# binary, no source) and offers --watch. Then the kits are searched: no reference
# source, no mutant, no hidden check (not in lab.toml, not in the program);
# the program needs no glibc symbol newer than 2.35 and no library but
# glibc's. Prints the kits' sizes and the time from unpacking to a verdict.
set -u
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
fail() { echo "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
[[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null && command -v setpriv >/dev/null || { echo "needs root, unshare and setpriv"; exit 77; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install failed"; }
course=$work/course hidden=ConsumerWithoutObjectFails
mkdir -p "$course/labs" "$course/reference" "$course/graders"
cp -r "$source/labs/posix-shm" "$course/labs/shm-kit"
cp -r "$source/reference/posix-shm" "$course/reference/shm-kit"
cp -r "$source/graders/posix-shm" "$course/graders/shm-kit"
sed -i 's/^name = "posix-shm"/name = "shm-kit"/; s/^suite = "PosixShm"/suite = "ShmKit"/' "$course/labs/shm-kit/lab.toml"
sed -i "s/^test = \"$hidden\"/&\nvisibility = \"hidden\"/" "$course/labs/shm-kit/lab.toml"
sed -i 's/\bPosixShm\b/ShmKit/g' "$course"/graders/shm-kit/*.cpp
cp -r "$source/examples/posix-shm" "$work/examples"
chmod -R a+rX "$work/examples"
export LABGRADE_CACHE_DIR=$work/cache

"$work/prefix/bin/labgrade" kit --lab posix-shm --out "$work/posix-shm.tar.gz" >"$work/kit1.txt" 2>&1 || { cat "$work/kit1.txt"; fail "kit of posix-shm"; }
"$work/prefix/bin/labgrade" --course "$course" kit --lab shm-kit --out "$work/shm-kit.tar.gz" >"$work/kit2.txt" 2>&1 || { cat "$work/kit2.txt"; fail "kit of a course's lab"; }
grep -q "left out (not visible to students): $hidden" "$work/kit2.txt" || { cat "$work/kit2.txt"; fail "the hidden check is not said left out"; }
echo "kit sizes: posix-shm $(stat -c %s "$work/posix-shm.tar.gz") bytes, shm-kit $(stat -c %s "$work/shm-kit.tar.gz") bytes"
cat "$work/kit1.txt"

# As a student: nobody, in a fresh folder, with this repository out of reach.
student=$work/student
mkdir -p "$student" && chown 65534:65534 "$student" && chmod 644 "$work"/*.tar.gz
as_student() {
  unshare --mount --propagation private bash -c 'mount -t tmpfs tmpfs "$1" && mount -t tmpfs tmpfs "$2" || exit 90; shift 2; cd "$1" && shift && exec setpriv --reuid=65534 --regid=65534 --clear-groups env -u LABGRADE_CACHE_DIR HOME="$PWD" "$@"' \
    sh "$build" "$source" "$student" "$@"
}
as_student bash -c "[[ ! -e '$source/reference/posix-shm' && ! -e '$build/labgrade' ]]" || fail "the repository is not out of reach"
for lab in posix-shm shm-kit; do
  points=10; [[ $lab == shm-kit ]] && points=9
  t0=$(now)
  as_student bash -c "tar -xzf '$work/$lab.tar.gz' && labgrade-$lab/bin/labgrade check --lab $lab '$work/examples/slides'" >"$work/$lab.slides.txt" 2>&1
  code=$? t1=$(now)
  [[ $code -eq 0 ]] && grep -q "$points/$points points" "$work/$lab.slides.txt" || { cat "$work/$lab.slides.txt"; fail "$lab: the slides' code did not get $points/$points (exit $code)"; }
  echo "$lab: from unpacking the kit to the first verdict: $(took "$t0" "$t1") s"
  as_student "labgrade-$lab/bin/labgrade" check --lab "$lab" "$work/examples/buggy" >"$work/$lab.buggy.txt" 2>&1
  code=$?
  [[ $code -eq 1 ]] && grep -q "shm_unlink" "$work/$lab.buggy.txt" || { cat "$work/$lab.buggy.txt"; fail "$lab: the buggy code did not fail naming shm_unlink (exit $code)"; }
  # The failed checks kept for a replay by hand: the kit's reference programs as binaries, never a source.
  as_student "labgrade-$lab/bin/labgrade" check --lab "$lab" --keep kept "$work/examples/buggy" >"$work/$lab.keep.txt" 2>&1
  code=$?
  [[ $code -eq 1 && -x $student/kept/ConsumerRemovesObject/reference-shm_producer && -x $student/kept/ConsumerRemovesObject/replay.sh ]] &&
    grep -q 'replay:     sh kept/ConsumerRemovesObject/replay.sh' "$work/$lab.keep.txt" || { cat "$work/$lab.keep.txt"; fail "$lab: --keep (exit $code)"; }
  [[ -z $(find "$student/kept" -name '*.c' -o -name '*.h') ]] || fail "$lab: --keep copied a source"
  rm -rf "$student/kept"
  as_student "labgrade-$lab/bin/labgrade" check --help | grep -q -- '--watch' || fail "$lab: the kit's check has no --watch"
  as_student "labgrade-$lab/bin/labgrade" init "$lab" mine >"$work/$lab.init.txt" 2>&1 || { cat "$work/$lab.init.txt"; fail "$lab: init"; }
  [[ -f $student/mine/shm_producer.c && -f $student/mine/README.md ]] || fail "$lab: init wrote no starter files"
  rm -rf "$student/mine"
done
# Where user namespaces are not allowed (Ubuntu 24.04's desktops): the same verdicts, contained by Landlock.
as_student env LABGRADE_ISOLATION=off labgrade-posix-shm/bin/labgrade check --lab posix-shm "$work/examples/slides" >"$work/off.txt" 2>&1
[[ $? -eq 0 ]] && grep -q "10/10 points" "$work/off.txt" && grep -q "isolation was off" "$work/off.txt" || { cat "$work/off.txt"; fail "without namespaces the kit did not give the slides 10/10"; }
as_student labgrade-shm-kit/bin/labgrade check --lab shm-kit --only "$hidden" "$work/examples/slides" >"$work/only.txt" 2>&1
[[ $? -eq 2 ]] || { cat "$work/only.txt"; fail "the hidden check can be run from the kit"; }

# What the kits hold: no solution, no mutant, no hidden check; glibc only, 2.35 at most.
kits=$student
[[ -z $(find "$kits"/labgrade-* -name '*.c' -not -path '*/starter/*') ]] || fail "a kit holds C sources: $(find "$kits"/labgrade-* -name '*.c' -not -path '*/starter/*')"
find "$kits" -name mutants -o -name mutant.toml | grep -q . && fail "a kit holds mutants"
# Every distinctive line of the reference and the mutants (not in the starter files or the handout).
known=$(cat "$source"/labs/posix-shm/starter/* "$source"/labs/posix-shm/README.md)
while IFS= read -r line; do
  line=$(sed 's/^[[:space:]]*//' <<<"$line")
  (( ${#line} >= 24 )) || continue
  grep -qF -- "$line" <<<"$known" && continue
  if grep -rqaF -- "$line" "$kits"/labgrade-*; then fail "a kit holds this line of a solution or mutant: $line"; fi
done < <(cat "$source"/reference/posix-shm/*.c "$source"/labs/posix-shm/mutants/*/*)
grep -rlaF "$hidden" "$kits/labgrade-shm-kit" && fail "the kit holds the hidden check $hidden"
grep -rlaF "don't go on with fd == -1" "$kits/labgrade-shm-kit" && fail "the kit holds the hidden check's code"
grep -rlaF "$hidden" "$kits/labgrade-posix-shm" >/dev/null || fail "the search for a check's name finds nothing where it should"
for program in "$kits"/labgrade-*/bin/labgrade "$kits"/labgrade-*/share/labgrade/reference/*/*/*; do
  newest=$(objdump -T "$program" | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -1)
  [[ $(printf '%s\nGLIBC_2.35\n' "$newest" | sort -V | tail -1) == GLIBC_2.35 ]] || fail "$program needs $newest"
  libs=$(ldd "$program" | awk '{print $1}' | grep -vE '^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|/lib64/ld-linux-x86-64\.so\.2)$')
  [[ -z $libs ]] || fail "$program needs libraries beyond glibc: $libs"
done
readelf -S "$kits"/labgrade-posix-shm/bin/labgrade | grep -q "\.symtab" && fail "the kit's program is not stripped"
echo "ok: kits made by the installed labgrade grade right as an unprivileged user, and hold no solution, mutant or hidden check"
