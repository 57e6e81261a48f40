// Proving a lab's grader both ways: the reference gets full marks, every
// mutant under labs/<lab>/mutants/ fails at least the checks its mutant.toml
// names, and every check is failed by at least one mutant.
//
// A mutant is a folder with a mutant.toml: the reference/<lab>/ files, changed
// by its [[edit]]s (each `find` must occur exactly once in its file), and any
// file the folder holds itself in place of the reference's:
//   description = "consumer never calls shm_unlink"
//   fails = ["ConsumerRemovesObject", "EndToEnd"]
//   [[edit]]
//   file = "shm_consumer.c"
//   find = '''
//       shm_unlink(name);
//   '''
//   replace = 
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/report.hpp"

namespace labgrade {

struct MutantOutcome {
  std::string name;
  std::string description;
  std::vector<std::string> meant_to_fail;
  std::vector<std::string> failed;        // checks it failed
  std::vector<std::string> not_caught;    // meant to fail, but passed
  std::vector<std::string> grader_errors;
  bool ok() const { return not_caught.empty() && grader_errors.empty(); }
};

struct SelftestResult {
  std::string lab;
  Report reference;
  std::vector<MutantOutcome> mutants;
  std::vector<std::string> unproven;  // checks no mutant fails
  bool ok() const;
};

/// Throws LabSpecError for a malformed mutant.toml.
SelftestResult selftest_lab(const LabSpec& lab, const GradeOptions& options);

/// Why `lab` cannot be proved on this machine ("" when it can): its worlds
/// need a network of their own, hence namespaces, and there are none.
/// selftest_lab throws it as a GraderError.
std::string why_not_provable_here(const LabSpec& lab);

std::string format_selftest(const SelftestResult& result);

/// The lab's known submissions as folders under `into`: `reference/` and one
/// per mutant (its name); returns their names. For benchmarks and demos.
std::vector<std::string> write_known_submissions(const LabSpec& lab, const std::filesystem::path& into);

}  // namespace labgrade
