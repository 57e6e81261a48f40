#!/usr/bin/env bash
# framework_installed.sh BUILD_DIR SOURCE_DIR
# The framework as an instructor outside this repository meets it:
# `cmake --install` into a fresh prefix, then a course folder with a copy of
# a bundled lab (labs/, reference/, graders/) whose checks are compiled with
# find_package(labgrade) alone — no file of this repository on the include
# path — into a program that grades the slides' code 10/10 and fails the buggy
# one. Prints how long the checks took to compile.
set -u
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install failed"; }
for f in include/labgrade/check.hpp include/labgrade/lab_data.hpp lib/liblabgrade_framework.a \
         lib/cmake/labgrade/labgradeConfig.cmake share/labgrade/labs/posix-shm/lab.toml; do
  [[ -e $work/prefix/$f ]] || fail "the install lacks $f"
done

course=$work/course
mkdir -p "$course/labs" "$course/reference" "$course/graders"
cp -r "$source/labs/posix-shm" "$course/labs/"
cp -r "$source/reference/posix-shm" "$course/reference/"
cp -r "$source/graders/posix-shm" "$course/graders/"
cat >"$course/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(course_checks LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(labgrade REQUIRED)
file(GLOB checks graders/*/*.cpp)
add_executable(course_grader grader_main.cpp ${checks})
target_link_libraries(course_grader PRIVATE labgrade::framework)
CMAKE
cat >"$course/grader_main.cpp" <<'CPP'
// A course's grader: its labs' checks and the framework's flow.
#include <iostream>
#include <string>
#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/reporters.hpp"
int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "__run-checks") return labgrade::run_checks_main(argv[2]);
  labgrade::Report report = labgrade::grade_submission(labgrade::load_lab_spec(argv[1]), argv[2], {});
  std::cout << labgrade::format_text(report, {});
  return report.exit_code();
}
CPP
start=$(date +%s.%N)
cmake -S "$course" -B "$course/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "find_package(labgrade) failed"; }
cmake --build "$course/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the course's checks do not compile against the installed framework"; }
end=$(date +%s.%N)
grep -q -- "-I$source\|-I$build" "$course/build/build.ninja" && fail "the course build reads this repository's files"
echo "the course's checks compiled against the installed framework in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s"

export LABGRADE_CACHE_DIR=$work/cache
"$course/build/course_grader" "$course/labs/posix-shm/lab.toml" "$source/examples/posix-shm/slides" >"$work/slides.txt"
[[ $? -eq 0 ]] && grep -q "10/10 points" "$work/slides.txt" || { cat "$work/slides.txt"; fail "the course grader did not give the slides' code 10/10"; }
"$course/build/course_grader" "$course/labs/posix-shm/lab.toml" "$source/examples/posix-shm/buggy" >"$work/buggy.txt"
[[ $? -eq 1 ]] || { cat "$work/buggy.txt"; fail "the course grader did not fail the buggy submission"; }
echo "ok: a lab's checks built outside the repository grade like the bundled ones"
