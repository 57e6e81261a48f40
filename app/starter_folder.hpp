// `labgrade init LAB [DIR]`: a student's folder to start a lab in: the lab's
// starter files, the headers it provides (include/) and its handout.
#pragma once

#include <filesystem>
#include <vector>

#include "labgrade/lab_spec.hpp"

namespace labgrade {

/// Copies them into `dir` (made if needed); returns the files written.
/// Throws UsageError when a file of the same name is there already (nothing
/// is overwritten: a student's work is never lost).
std::vector<std::filesystem::path> write_starter_folder(const LabSpec& lab, const std::filesystem::path& dir);

}  // namespace labgrade
