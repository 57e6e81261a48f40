// `labgrade kit --lab LAB --out FILE`: one archive with what a student needs
// to self-check LAB on their own Linux machine with only gcc: a labgrade
// holding the lab's visible checks (linked statically but for glibc), the
// lab's lab.toml (without the checks students do not see), handout, starter
// files and include/, and the reference programs, built and stripped. No
// reference source, no mutant, no hidden check.
//
//   labgrade-posix-shm/README.md                         the student's getting-started page
//   labgrade-posix-shm/bin/labgrade                      check, init, list
//   labgrade-posix-shm/share/labgrade/labs/posix-shm/    lab.toml, README.md, starter/, include/
//   labgrade-posix-shm/share/labgrade/reference/posix-shm/<variant>/<program>
//
// With `gradescope`, the same program holds every check (hidden ones too)
// and the archive is Gradescope's autograder zip: setup.sh (installs gcc
// only), run_autograder, LAB, and the kit in labgrade/.
//
// Before it is written, the kit is proved: its labgrade gives the reference
// sources full marks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "labgrade/lab_spec.hpp"

namespace labgrade {

struct KitOptions {
  std::filesystem::path out;  // .tar.gz, .tgz or .zip (Gradescope: .zip)
  bool gradescope = false;
};

struct KitMade {
  std::uintmax_t bytes = 0;
  std::vector<std::string> left_out;  // the checks not in it
  std::string proof;                  // "9/9 points for the reference in 2.1 s"
  std::string glibc;                  // the newest glibc its programs need, "2.35"
  bool runs_on_ubuntu_2204 = false;   // that is, glibc 2.35 at most (Debian 12 has 2.36)
};

/// Throws UsageError when the lab cannot be graded here or the output's name
/// is not an archive's; LabSpecError on an instructor's mistake in the
/// checks; GraderError when the kit does not prove itself.
KitMade make_kit(const LabSpec& lab, const KitOptions& options);

}  // namespace labgrade
