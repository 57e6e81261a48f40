// Compiling a lab's programs: a student's submission or the reference, by
// the same code path (a reference is simply a submission that must score
// full marks), once per build variant.
//
//   Builds builds = build_programs(lab, "/home/ana/lab3", scratch / "build");
//   const BuildResult& consumer = builds.get("shm_consumer");
//   if (!consumer.ok) fmt::print("{}\n", consumer.summary);   // shm_consumer.c:12:5: error: ...
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "labgrade/lab_spec.hpp"

namespace labgrade {

struct BuildResult {
  std::string program;
  std::string variant;
  bool ok = false;
  std::filesystem::path executable;  // when ok
  std::string command;               // the compiler command line, for the report
  std::string diagnostics;           // everything the compiler said
  std::string summary;               // the first errors (file:line: error: ...), or why it did not run
  std::string hint;                  // the fix when it did not run for a reason of the submission's (a file missing)
  std::vector<std::string> generated;  // the lab's generated files it was built with: their warnings are not the student's
  bool from_cache = false;           // the very same files were compiled before: copied, the compiler not run (compile_cache)
  /// The compiler's first warnings (file:line: warning: ...) when it built,
  /// but for those in generated files; "" when none.
  std::string warnings() const;
};

class Builds {
 public:
  void add(BuildResult result);
  /// Throws GraderError when the lab has no such program or variant.
  const BuildResult& get(const std::string& program, const std::string& variant = "default") const;
  const std::map<std::pair<std::string, std::string>, BuildResult>& all() const { return m_results; }

 private:
  std::map<std::pair<std::string, std::string>, BuildResult> m_results;
};

/// Compiles every program of `lab` from the sources in `source_dir` (copied to
/// `out_dir` first, so only the listed files and the lab's include/ are seen),
/// for every variant, up to `jobs` compilers at a time. With [clock] control,
/// the programs are linked with the clock shim (built once into `cache_dir`).
/// A student's compile error is a result, not an exception; a compiler that
/// cannot start is a GraderError. `on_built`, if given, is told of each
/// build as soon as it is done (its program in place), before the others end.
Builds build_programs(const LabSpec& lab, const std::filesystem::path& source_dir,
                      const std::filesystem::path& out_dir, int jobs,
                      const std::filesystem::path& cache_dir,
                      const std::function<void(const BuildResult&)>& on_built = {});

/// The reference built once and kept in `cache_dir`, keyed by the hash of its
/// sources, flags and compiler; rebuilt only when one of these changes. A
/// reference folder that holds the programs already built (<variant>/<program>,
/// a kit's) is used as it is. Throws GraderError when the reference does not compile.
Builds build_reference(const LabSpec& lab, const std::filesystem::path& cache_dir, int jobs);

/// Why `submission` is not a submission of the lab at all (it holds none of
/// its source files: the wrong folder), in one line naming what was expected
/// and what was found; "" when it holds at least one.
std::string submission_mismatch(const LabSpec& lab, const std::filesystem::path& submission);

/// Whether `dir` holds every program of the lab built, for every variant:
/// <dir>/<variant>/<program>, executable (a kit's reference, or a cache entry).
bool holds_built_programs(const LabSpec& lab, const std::filesystem::path& dir);

/// $LABGRADE_CACHE_DIR, else $XDG_CACHE_HOME/labgrade, else ~/.cache/labgrade.
std::filesystem::path default_cache_dir();

}  // namespace labgrade
