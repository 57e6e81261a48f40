// `labgrade new-lab NAME`: a lab's skeleton in a course folder, which builds
// and whose selftest runs (its checks compiled on first use):
//
//   <course>/labs/NAME/lab.toml, README.md, starter/prog.c,
//            mutants/no-greeting/mutant.toml, mutants/syntax-error/mutant.toml
//   <course>/reference/NAME/prog.c
//   <course>/graders/NAME/checks.cpp
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace labgrade {

/// Writes the skeleton; returns the files written. Throws UsageError when
/// the name is not a lab name (lowercase letters, digits and dashes) or a
/// file of it exists already (nothing is overwritten).
std::vector<std::filesystem::path> write_new_lab(const std::filesystem::path& course, const std::string& name);

}  // namespace labgrade
