// The files of a Gradescope autograder zip around a kit (kit.hpp):
// setup.sh and run_autograder (docs/gradescope/, embedded at build time)
// and LAB, the lab's name.
#pragma once

#include <filesystem>
#include <string>

namespace labgrade {

/// Writes setup.sh, run_autograder (both executable) and LAB into `dir`.
void write_gradescope_files(const std::filesystem::path& dir, const std::string& lab);

}  // namespace labgrade
