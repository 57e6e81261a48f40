#include "labgrade/grading.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "labgrade/builder.hpp"
#include "labgrade/check.hpp"
#include "labgrade/check_runners.hpp"
#include "labgrade/cgroup.hpp"
#include "labgrade/error.hpp"
#include "labgrade/grader_build.hpp"
#include "labgrade/phase_trace.hpp"
#include "labgrade/replay_folder.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// The lab's [[checks]] and the compiled suite must name the same tests: an
// instructor's typo is an error with its position, not a silently skipped check.
void verify_checks_exist(const LabSpec& lab, const std::vector<std::string>& tests) {
  if (tests.empty()) {
    throw LabSpecError(lab.file.string(), 1, 1, "lab.suite",
                       fmt::format("no grader suite \"{}\" is compiled into this labgrade", lab.suite));
  }
  std::set<std::string> known(tests.begin(), tests.end());
  for (std::size_t i = 0; i < lab.checks.size(); ++i) {
    if (known.count(lab.checks[i].test) == 0) {
      throw LabSpecError(lab.file.string(), lab.checks[i].line, 1, fmt::format("checks[{}].test", i),
                         fmt::format("no check \"{}\" in the grader suite {}", lab.checks[i].test, lab.suite));
    }
  }
  for (const auto& test : tests) {
    if (lab.check(test) == nullptr) {
      throw LabSpecError(lab.file.string(), 1, 1, "checks",
                         fmt::format("the grader suite {} has a check {} that lab.toml does not list", lab.suite, test));
    }
  }
}

// The tests of the lab's suite and the command that runs them: this program
// when they are compiled into it (the bundled labs), else the lab's own
// checks, compiled on first use (a course's lab: grader_build.hpp).
struct Checks {
  std::vector<std::string> tests;
  std::vector<std::string> runner;
};

Checks find_checks(const LabSpec& lab, const std::vector<std::string>& own_runner, const fs::path& cache_dir) {
  if (auto tests = registered_checks(lab.suite); !tests.empty()) return {tests, own_runner};
  if (!fs::is_directory(graders_dir(lab))) return {};  // verify_checks_exist says it
  ExternalChecks external = compile_checks(lab, cache_dir);
  return {external.tests, external.runner};
}

}  // namespace

bool worlds_ahead_for(int gradings_at_once) { return gradings_at_once < core_count(); }

std::string why_ungradable(const LabSpec& lab) {
  if (registered_checks(lab.suite).empty() && fs::is_directory(graders_dir(lab))) {
    if (!framework_files().usable()) return "its checks in " + graders_dir(lab).string() + " need labgrade-dev to compile";
  } else {
    try {
      verify_checks_exist(lab, registered_checks(lab.suite));
    } catch (const LabSpecError& e) {
      return e.what();
    }
  }
  if (!fs::is_directory(lab.reference_dir)) return fmt::format("its reference {} does not exist", lab.reference_dir.string());
  return {};
}

std::vector<std::string> registered_checks(const std::string& suite) {
  std::vector<std::string> names;
  auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* s = unit->GetTestSuite(i);
    if (suite != s->name()) continue;
    for (int j = 0; j < s->total_test_count(); ++j) names.push_back(s->GetTestInfo(j)->name());
  }
  return names;
}

Report grade_submission(const LabSpec& lab, const fs::path& submission, const GradeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  trace_phase("grading starts");
  if (!fs::is_directory(submission)) {
    throw UsageError(fmt::format("{}: no such submission directory", submission.string()));
  }
  const fs::path cache_dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  {
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (ec || ::access(cache_dir.c_str(), W_OK | X_OK) != 0) {
      throw UsageError(fmt::format("cannot write labgrade's cache folder {} ({}): set LABGRADE_CACHE_DIR to a folder of yours",
                                   cache_dir.string(), ec ? ec.message() : std::strerror(errno)));
    }
  }
  const Checks checks = find_checks(lab, options.runner, cache_dir);
  verify_checks_exist(lab, checks.tests);
  for (const auto& test : options.only) {
    if (lab.check(test) == nullptr) {
      std::string known;
      std::vector<std::string> ids;
      for (const auto& c : lab.checks) known += (known.empty() ? "" : ", ") + c.test, ids.push_back(c.test);
      const std::string guess = did_you_mean(test, ids);
      throw UsageError(fmt::format("lab {} has no check \"{}\"{} (its checks: {})", lab.name, test,
                                   guess.empty() ? "" : fmt::format(": did you mean {}?", guess), known));
    }
  }
  if (!options.keep.empty()) prepare_keep_folder(options.keep);
  std::vector<std::string> selected;  // in lab.toml's order
  for (const auto& c : lab.checks) {
    if (options.only.empty() || std::find(options.only.begin(), options.only.end(), c.test) != options.only.end())
      selected.push_back(c.test);
  }
  const int jobs = options.jobs > 0 ? options.jobs : core_count();
  const Isolation isolation = detect_isolation();
  CgroupMovesKeptWarm warm(cgroup_support());  // the worlds' programs join cgroups without waiting

  TempDir scratch("labgrade-");
  // Without namespaces, as root, programs run as the sandbox user in folders
  // of this scratch: it may pass through it to their own (never list it),
  // and never into the builds.
  fs::create_directory(scratch.path() / "build");
  if (isolation == Isolation::none && ::geteuid() == 0) {
    fs::permissions(scratch.path(), fs::perms::others_exec, fs::perm_options::add);
    fs::permissions(scratch.path() / "build", fs::perms::owner_all, fs::perm_options::replace);
  }
  if (options.progress) options.progress(GradeEvent{});

  // The runners start first, and each check as soon as the programs it runs are built.
  double budget = 10.0 + 60.0 * static_cast<double>(lab.programs.size() * lab.variants.size());  // the builds first
  for (const auto& test : selected) budget += lab.check(test)->timeout;
  trace_phase("runners start");
  CheckRunners runners({lab, checks.runner, scratch.path(), selected, options.check_jobs, isolation,
                        isolation_fallback_reason(), !options.keep.empty(), budget, options.worlds_ahead,
                        options.all_cores});
  trace_phase("runners started");
  Builds reference, student;
  try {
    reference = build_reference(lab, cache_dir, jobs);
    runners.feed().add(Whose::reference, reference);
    trace_phase("reference ready");
    student = build_programs(lab, submission, scratch.path() / "build", jobs, cache_dir, [&](const BuildResult& built) {
      runners.feed().add(Whose::student, built);
      trace_phase(fmt::format("built {} ({}){}", built.program, built.variant, built.from_cache ? " from the cache" : ""));
    });
  } catch (...) {
    runners.stop();  // their first worlds wait for builds that will not come
    remove_stale_cgroups(cgroup_support());
    throw;
  }
  runners.builds_done();
  runners.wait(options.progress);
  trace_phase("runners ended");
  remove_stale_cgroups(cgroup_support());  // a runner killed at its deadline leaves its worlds' groups

  Report report;
  report.lab = lab.name;
  report.title = lab.title;
  report.submission = fs::absolute(submission).lexically_normal().string();
  report.isolation = to_string(isolation);
  report.isolation_note = isolation_fallback_reason();
  if (isolation == Isolation::none) report.isolation_note += "; programs contained by " + host_containment(!lab.mq_names.empty());
  if (cgroup_support().version == CgroupVersion::none) report.cgroups_missing = cgroup_support().reason;
  for (const auto& [key, build] : student.all()) {
    if (key.second == "default" && !build.warnings().empty()) report.warnings.push_back(build.warnings());
  }
  report.checks = runners.results();
  if (!options.keep.empty()) write_keep_folder({options.keep, runners.journal_dir(), lab, student, reference}, report);
  report.execution_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  trace_phase("grading ends");
  return report;
}

}  // namespace labgrade
