#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (its
# Ubuntu 24.04 base image, as root): installs labgrade's dependencies from
# the distribution's packages and builds labgrade from the source shipped in
# the autograder zip (make_autograder.sh puts it in source/labgrade).
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
cd "$root/source/labgrade"
scripts/setup.sh      # apt-get install: the compiler, cmake, GoogleTest, fmt, toml++, CLI11, libseccomp, ...
scripts/build.sh      # build/labgrade
build/labgrade list   # proves the build and the labs are there
