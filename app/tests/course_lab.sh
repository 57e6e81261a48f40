#!/usr/bin/env bash
# course_lab.sh BUILD_DIR SOURCE_DIR
# A course's own lab, graded by an installed labgrade with no rebuild of it:
# labgrade installed into a fresh prefix (the program, its labs and the
# framework, as the packages labgrade and labgrade-dev give them); a course
# folder outside this repository holding a renamed copy of posix-shm
# (labs/shm-course, reference/shm-course, graders/shm-course with its own
# suite). The installed labgrade lists it, compiles its checks on first use
# (timed), then from the cache (timed), grades the slides' code 10/10 and the
# buggy code failing, proves it (selftest), and names the file and line of a
# compile error in the course's checks (exit 2). The source and build trees
# are hidden meanwhile (an empty tmpfs over each, as root).
set -u
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install failed"; }
course=$work/course
mkdir -p "$course/labs" "$course/reference" "$course/graders"
cp -r "$source/labs/posix-shm" "$course/labs/shm-course"
cp -r "$source/reference/posix-shm" "$course/reference/shm-course"
cp -r "$source/graders/posix-shm" "$course/graders/shm-course"
sed -i 's/^name = "posix-shm"/name = "shm-course"/; s/^suite = "PosixShm"/suite = "ShmCourse"/; s/^title = .*/title = "A course'"'"'s POSIX shared memory"/' \
  "$course/labs/shm-course/lab.toml"
sed -i 's/\bPosixShm\b/ShmCourse/g' "$course"/graders/shm-course/*.cpp
cp -r "$source/examples/posix-shm" "$work/examples"

run() {  # labgrade's arguments: the installed program with this repository out of reach
  if [[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null; then
    unshare --mount --propagation private bash -c 'mount -t tmpfs tmpfs "$1" && mount -t tmpfs tmpfs "$2" || exit 90; shift 2; cd / && exec "$@"' \
      sh "$build" "$source" "$work/prefix/bin/labgrade" "$@"
  else
    (cd / && "$work/prefix/bin/labgrade" "$@")
  fi
}
export LABGRADE_CACHE_DIR=$work/cache

run --course "$course" list >"$work/list.txt" 2>&1
grep -q "^shm-course .*A course's POSIX shared memory" "$work/list.txt" || { cat "$work/list.txt"; fail "the course's lab is not listed as gradable"; }
grep -q "cannot grade" "$work/list.txt" && { cat "$work/list.txt"; fail "list says it cannot grade the course's lab"; }

t0=$(now); run --course "$course" check --lab shm-course "$work/examples/slides" >"$work/first.txt" 2>&1; code=$?; t1=$(now)
[[ $code -eq 0 ]] && grep -q "10/10 points" "$work/first.txt" || { cat "$work/first.txt"; fail "the slides' code did not get 10/10 (exit $code)"; }
t2=$(now); run --course "$course" check --lab shm-course "$work/examples/slides" >"$work/second.txt" 2>&1; code=$?; t3=$(now)
[[ $code -eq 0 ]] || { cat "$work/second.txt"; fail "the second check failed"; }
echo "first use (the checks compiled): $(took "$t0" "$t1") s; cached: $(took "$t2" "$t3") s"
run --course "$course" check --lab shm-course "$work/examples/buggy" >"$work/buggy.txt" 2>&1
[[ $? -eq 1 ]] || { cat "$work/buggy.txt"; fail "the buggy code did not fail"; }
run --course "$course" selftest shm-course >"$work/selftest.txt" 2>&1 || { cat "$work/selftest.txt"; fail "the course's lab was not proved"; }
grep -q "proved shm-course" "$work/selftest.txt" || { cat "$work/selftest.txt"; fail "selftest did not say proved"; }

# An instructor's mistake in the course's checks: exit 2, the file and line named.
file=$(ls "$course"/graders/shm-course/*.cpp | head -1)
printf '\nthis is not C++;\n' >>"$file"
line=$(wc -l <"$file")
run --course "$course" check --lab shm-course "$work/examples/slides" >"$work/broken.txt" 2>&1
code=$?
[[ $code -eq 2 ]] || { cat "$work/broken.txt"; fail "a compile error in the course's checks gave exit $code, not 2"; }
grep -q "$(basename "$file"):$line:" "$work/broken.txt" || { cat "$work/broken.txt"; fail "the compile error does not name $(basename "$file"):$line"; }
grep -q "FAIL " "$work/broken.txt" && fail "a student was blamed for the course's compile error"
echo "ok: the installed labgrade graded and proved a course's lab, and named its compile error"
