// The grader's side of its check runners (check_runner.cpp): one process per
// core, started before the builds so that their start overlaps the
// compilers, fed the builds as they finish (build_feed.hpp), sharing the
// checks by claims (parallel_checks.hpp), and their results put back in
// lab.toml's order, the same whichever runner ran what. Their files (the
// feed, claims, results, journals) are in a folder of the grader's alone:
// without namespaces a program passes through the grading's folder to its
// own, and must not read another check's results or input there.
//
//   CheckRunners runners({lab, runner_argv, scratch, selected, 2, isolation, note, keep, budget});
//   runners.feed().add(Whose::reference, reference);  ...  runners.builds_done();
//   runners.wait(progress);
//   report.checks = runners.results();
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "labgrade/build_feed.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/parallel_checks.hpp"
#include "labgrade/report.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

struct RunnersSetup {
  const LabSpec& lab;
  std::vector<std::string> command;    // the runner program and "__run-checks"
  std::filesystem::path scratch;       // the grading's own folder (without namespaces, the worlds' folders go there)
  std::vector<std::string> selected;   // the checks to run, in lab.toml's order
  int count = 1;                       // runners wanted (fewer when there are fewer groups of checks)
  Isolation isolation = Isolation::namespaces;
  std::string isolation_note;
  bool journal = false;                // --keep: failed checks' journals are written (journal_dir())
  double time_limit = 60;              // each runner's, in wall seconds
  bool worlds_ahead = true;            // each runner makes its next world while a check runs
  Cores all_cores;                     // GradeOptions::all_cores
};

class CheckRunners {
 public:
  /// Starts the runners; they wait for the builds they need. Until
  /// builds_done(), the compilers hold a share of the cores.
  explicit CheckRunners(const RunnersSetup& setup);
  ~CheckRunners();
  CheckRunners(const CheckRunners&) = delete;
  CheckRunners& operator=(const CheckRunners&) = delete;

  /// Where the grader writes the builds for them.
  BuildFeedWriter& feed() { return m_feed; }
  /// Every build is written: the feed ends, the compilers' share of the cores too.
  void builds_done();
  /// Where failed checks' journals are (RunnersSetup::journal).
  std::filesystem::path journal_dir() const { return m_dir / "journal"; }
  /// How many were started.
  std::size_t count() const { return m_children.size(); }
  /// Kills every runner now (the builds failed: a grader error) and waits for their ends.
  void stop();
  /// Until every runner has ended, telling `progress` (if set) of each check started and ended.
  void wait(const std::function<void(const GradeEvent&)>& progress);
  /// Every selected check's result in lab.toml's order: a program that did
  /// not compile shown under the first check that met it, the later ones
  /// skipped; a check no runner finished, a grader error saying why.
  std::vector<CheckResult> results() const;

 private:
  struct Runner {
    std::filesystem::path results, started;
    std::unique_ptr<HostChild> child;
  };
  const LabSpec& m_lab;
  std::filesystem::path m_dir;  // the runners' files, the grader's alone (0700)
  std::vector<std::string> m_selected;
  std::map<std::string, std::string> m_groups;
  BuildFeedWriter m_feed;
  SharedCores m_compilers;
  std::vector<Runner> m_children;
};

/// How many runners a grading gets: `wanted` (0: one per core), no more
/// than its groups of checks, and one when worlds run one at a time
/// (without namespaces).
int runners_for(int wanted, std::size_t groups, Isolation isolation);

}  // namespace labgrade
