// A lab's checks as a program of their own: a course's lab, whose checks are
// not compiled into this labgrade, keeps them in <course>/graders/<lab>/*.cpp;
// on first use they are compiled against the installed framework (headers
// and static library: the package labgrade-dev) into a check runner, cached
// by a hash of their sources as references are, and run like the built-in one.
//
//   use_framework({"/usr/include", "/usr/lib/liblabgrade_framework.a"});   // once, by the program
//   ExternalChecks checks = compile_checks(lab, cache_dir);                // throws LabSpecError on a compile error
//   grade with checks.runner; checks.tests are the suite's test names
//   link_kit_program(lab, {"HiddenCheck"}, kit / "bin" / "labgrade");     // a student kit's program
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "labgrade/lab_spec.hpp"

namespace labgrade {

/// Where the framework is, for compiling a course's checks.
struct FrameworkFiles {
  std::filesystem::path include_dir;      // holds labgrade/check.hpp
  std::filesystem::path library;          // liblabgrade_framework.a
  std::filesystem::path student_library;  // liblabgrade_student.a: a kit's program but its checks
  bool usable() const;
};

/// Tells the grading flow where the framework is (the program's installation,
/// or its build tree). Without, a course's checks cannot be compiled.
void use_framework(const FrameworkFiles& files);
const FrameworkFiles& framework_files();

/// The folder of a lab's own checks: <labs>/../graders/<lab>.
std::filesystem::path graders_dir(const LabSpec& lab);

struct ExternalChecks {
  std::vector<std::string> runner;  // the command that runs them: {program, "__run-checks"}
  std::vector<std::string> tests;   // the tests of the lab's suite it holds
  double compile_seconds = 0;       // 0 when it came from the cache
};

/// Compiles (or takes from the cache) the lab's checks. Throws LabSpecError
/// naming graders/<lab>/file.cpp:line:column on a compile error, and
/// UsageError when the framework's files are not there (labgrade-dev).
ExternalChecks compile_checks(const LabSpec& lab, const std::filesystem::path& cache_dir);

/// Links a student kit's program: the student commands (liblabgrade_student.a),
/// the framework and the lab's checks but `left_out` (those are compiled to
/// nothing: their code is not in the program), statically but for glibc,
/// stripped. Throws LabSpecError naming graders/<lab>/file.cpp:line on a
/// compile error, UsageError when labgrade-dev is not installed.
void link_kit_program(const LabSpec& lab, const std::vector<std::string>& left_out,
                      const std::filesystem::path& program);

}  // namespace labgrade
