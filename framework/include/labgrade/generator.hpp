// A lab's generator steps ([[build.generate]] in lab.toml: rpcgen over the
// lab's own calc.x, say), run before the compiler. They read only the lab's
// files, so they run once, on the host, as the grader, and their outputs are
// kept in the cache, keyed by the steps, the lab's include/ files and the
// tools. A submission's file of a generated name is never used.
//
//   fs::path generated = generate_sources(lab, cache_dir);   // "" when the lab has no steps
//   fs::copy_file(generated / "calc_svc.c", build / "calc_svc.c");
#pragma once

#include <filesystem>
#include <string>

#include "labgrade/lab_spec.hpp"

namespace labgrade {

/// The folder holding every output of the lab's generator steps ("" when it
/// has none). A step that fails or does not write an output is the lab's
/// mistake (LabSpecError at the step's line, with what the tool said); a tool
/// that is not installed is the machine's (GraderError naming it).
std::filesystem::path generate_sources(const LabSpec& lab, const std::filesystem::path& cache_dir);

}  // namespace labgrade
