// Grading one submission, as a list of steps:
//   lab spec → the lab's checks exist in this program → start the check
//   runners (this same program, `__run-checks`, one per core) → build the
//   reference and the student's programs, each check starting as soon as
//   the programs it runs are built → collect one CheckResult per check.
//
//   GradeOptions options{.runner = {"/proc/self/exe", "__run-checks"}};
//   Report report = grade_submission(lab, "submissions/ana", options);
//   return report.exit_code();
//
// A runner is a separate process so that each grading starts GoogleTest
// afresh and a crash of a check's code is the grader's error, not a lost
// point: results already written survive it (check_runners.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "labgrade/core_shares.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/report.hpp"

namespace labgrade {

/// What grading is doing now, for a live display (grade_submission's `progress`).
struct GradeEvent {
  enum class Kind { building, started, ended };
  Kind kind = Kind::building;
  std::string test;                  // started, ended: the check's id
  std::string title;                 // started, ended: its title
  const CheckResult* result = nullptr;  // ended: its result
  std::size_t index = 0, total = 0;  // started, ended: which of how many (1-based)
};

struct GradeOptions {
  std::vector<std::string> runner = {"/proc/self/exe", "__run-checks"};
  std::filesystem::path cache_dir;  // reference builds; empty: default_cache_dir()
  int jobs = 0;                     // compilers at once; 0: the number of cores
  int check_jobs = 0;               // check runners at once (checks in parallel); 0: the number of cores
  /// Each check runner makes the next check's world while a check runs
  /// (worlds_ahead.hpp): off where other gradings already fill the cores (a
  /// batch of as many students at once as cores), which it would only slow.
  bool worlds_ahead = true;
  /// This grading is kept to a share of the cores (core_shares.hpp): these
  /// are all of them, where a world's programs need more than the share (the
  /// cores to itself, or a lab's busy-waiting pairs); empty: it is not.
  Cores all_cores;
  std::vector<std::string> only;    // run just these checks (test names); empty: all
  /// Called on the grading thread as the builds start and each check starts and ends.
  std::function<void(const GradeEvent&)> progress;
  /// `check --keep`: each failed check's programs, input and replay.sh go
  /// into this folder (replay_folder.hpp); empty: none.
  std::filesystem::path keep;
};

/// GradeOptions::worlds_ahead for this many gradings at once (a batch's
/// students, selftest's mutants): on while they leave a core for it.
bool worlds_ahead_for(int gradings_at_once);

/// Throws UsageError (exit 2) when the submission folder is missing, the
/// lab's checks do not match this program's graders, `only` names an
/// unknown check, or `keep` is a folder labgrade may not fill; GraderError (exit 3) when the reference does not build.
Report grade_submission(const LabSpec& lab, const std::filesystem::path& submission,
                        const GradeOptions& options);

/// Why this labgrade cannot grade the lab (its checks are not compiled in, or
/// do not match lab.toml; its reference is missing), in words; "" when it can.
std::string why_ungradable(const LabSpec& lab);

/// The names of the GoogleTest tests registered for a suite in this program.
std::vector<std::string> registered_checks(const std::string& suite);

/// Entry of the runner process: `__run-checks CONTEXT.json`. Returns its exit code.
int run_checks_main(const std::filesystem::path& context_file);

}  // namespace labgrade
