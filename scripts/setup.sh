#!/usr/bin/env bash
# Installs everything labgrade needs to build and test, from Debian 12's
# packages. Idempotent: does nothing when all packages are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # the toolchain (gcc also compiles the students' C)
  libgtest-dev libgmock-dev                      # GoogleTest (and its matchers): the checks and labgrade's own tests
  libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libseccomp-dev                                 # the system calls a student's program may not make
  libarchive-dev                                 # students' .zip and .tar.gz submissions (labgrade grade)
  libboost-dev                                   # Boost.Process: the children labgrade starts on the host
  rpcsvc-proto libtirpc-dev rpcbind              # the rpc lab: rpcgen, ONC RPC, and a matchmaker per world
  slurm-wlm munge                                # a one-node Slurm cluster: a test grades a class as a job array
  python3-yaml                                   # a test reads the Kubernetes manifests
  procps                                         # ps/pgrep, used by tests to prove nothing is left
  libxml2-utils                                  # xmllint: the JUnit output is validated against its schema
  chromium                                       # the class report is opened in a headless browser by a test
  lintian                                        # the Debian package is checked by a test
  unzip curl                                     # tests open a Gradescope zip and download a kit as CI does
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  run_as_root=()
elif command -v sudo >/dev/null 2>&1; then
  run_as_root=(sudo)
else
  echo "setup.sh: these packages are missing: ${missing[*]}" >&2
  echo "setup.sh: installing them needs root, and sudo is not available." >&2
  echo "setup.sh: ask an administrator to run: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
