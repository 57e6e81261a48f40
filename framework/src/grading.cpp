#include "labgrade/grading.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "labgrade/builder.hpp"
#include "labgrade/check.hpp"
#include "labgrade/cgroup.hpp"
#include "labgrade/fault_injection.hpp"
#include "labgrade/error.hpp"
#include "labgrade/grader_build.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/replay_folder.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using nlohmann::json;

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

namespace {

json builds_to_json(const Builds& builds) {
  json out = json::array();
  for (const auto& [key, b] : builds.all()) {
    out.push_back({{"program", b.program}, {"variant", b.variant}, {"ok", b.ok},
                   {"executable", b.executable.string()}, {"summary", b.summary}, {"hint", b.hint}});
  }
  return out;
}

Builds builds_from_json(const json& j) {
  Builds builds;
  for (const auto& b : j) {
    BuildResult r;
    r.program = b.at("program").get<std::string>();
    r.variant = b.at("variant").get<std::string>();
    r.ok = b.at("ok").get<bool>();
    r.executable = b.at("executable").get<std::string>();
    r.summary = b.at("summary").get<std::string>();
    r.hint = b.value("hint", std::string());
    builds.add(std::move(r));
  }
  return builds;
}

CheckResult grader_error_result(const CheckSpec& spec, const std::string& what) {
  CheckResult r;
  r.test = spec.test;
  r.title = spec.title;
  r.status = CheckResult::Status::grader_error;
  r.max_score = spec.points;
  r.got = what;
  r.visibility = spec.visibility;
  r.tags = spec.tags;
  return r;
}

std::map<std::string, CheckResult> read_results(const fs::path& file) {
  std::map<std::string, CheckResult> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      CheckResult r = check_result_from_json(json::parse(line));
      out[r.test] = r;
    } catch (const std::exception&) {
      // A line cut by a crash of the runner: that check is reported as lost.
    }
  }
  return out;
}

// The runner's listener: turns each finished test into one CheckResult line.
class ResultWriter : public ::testing::EmptyTestEventListener {
 public:
  ResultWriter(GradingContext& context, const fs::path& file, const fs::path& started)
      : m_lab(context.lab), m_context(context), m_out(file, std::ios::app), m_started(started, std::ios::app) {}

  void OnTestStart(const ::testing::TestInfo& info) override {
    current_failure().reset();
    m_context.current_test = info.name();
    ReplayJournal::current().begin(info.name());
    m_started << info.name() << '\n' << std::flush;  // for the grader's live display
    m_start = std::chrono::steady_clock::now();
    const CheckSpec* spec = m_lab.check(info.name());
    m_context.deadline = m_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(spec ? spec->timeout : 30.0));
  }

  void OnTestPartResult(const ::testing::TestPartResult& part) override {
    if (part.failed() && !current_failure()) {
      // Not a CheckFailed: an exception of the grader or a stray gtest assertion.
      m_unexpected += (m_unexpected.empty() ? "" : "\n") + std::string(part.summary());
    }
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    const CheckSpec* spec = m_lab.check(info.name());
    if (spec == nullptr) return;
    CheckResult r;
    r.test = spec->test;
    r.title = spec->title;
    r.max_score = spec->points;
    r.visibility = spec->visibility;
    r.tags = spec->tags;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const auto& failure = current_failure();
    if (!m_unexpected.empty()) {
      r.status = CheckResult::Status::grader_error;
      r.got = m_unexpected;
    } else if (failure && failure->skipped) {
      r.status = CheckResult::Status::skipped;
      r.got = failure->got;
      r.blocked_by = failure->blocked_by;
    } else if (failure) {
      r.status = failure->grader_error ? CheckResult::Status::grader_error : CheckResult::Status::failed;
      r.expected = failure->expected;
      r.got = failure->got;
      r.hint = failure->hint.empty() ? spec->hint : failure->hint;
      if (!failure->general_hint.empty()) r.hint += (r.hint.empty() ? "" : "\n") + failure->general_hint;
      if (failure->observed) r.cause = failure->general_hint;
    } else if (info.result()->Passed()) {
      r.status = CheckResult::Status::passed;
      r.score = spec->points;
    } else {
      r.status = CheckResult::Status::grader_error;
      r.got = "the check failed without saying why";
    }
    keep_journal(r);
    m_unexpected.clear();
    current_failure().reset();
    m_context.outcomes[r.test] = {r.status == CheckResult::Status::passed, r.title,
                                  r.blocked_by.empty() ? r.test : r.blocked_by};
    m_context.current_test.clear();
    m_out << to_json(r).dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
  }

 private:
  // Under --keep, a failed check's journal, for its replay by hand. A journal
  // that can't be written costs the replay only (the grader then says so).
  static void keep_journal(const CheckResult& r) {
    try {
      ReplayJournal::current().end(r.status == CheckResult::Status::failed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "labgrade: no replay of %s: %s\n", r.test.c_str(), e.what());
    }
  }

  const LabSpec& m_lab;
  GradingContext& m_context;
  std::ofstream m_out;
  std::ofstream m_started;
  std::string m_unexpected;
  std::chrono::steady_clock::time_point m_start;
};

// The runner's progress as it comes: a check's id in started.txt when it
// starts, its result line in results.jsonl when it ends. Reads what is new.
class LiveFollower {
 public:
  LiveFollower(const LabSpec& lab, fs::path started, fs::path results, std::size_t total,
               const std::function<void(const GradeEvent&)>& progress)
      : m_lab(lab), m_started(std::move(started)), m_results(std::move(results)), m_total(total), m_progress(progress) {}

  void poll() {
    if (!m_progress) return;
    for (const auto& line : new_lines(m_results, m_results_read)) {
      try {
        const CheckResult r = check_result_from_json(json::parse(line));
        m_ended.insert(r.test);
        m_progress(GradeEvent{GradeEvent::Kind::ended, r.test, r.title, &r, m_ended.size(), m_total});
      } catch (const std::exception&) {
      }
    }
    for (const auto& test : new_lines(m_started, m_started_read)) {
      ++m_begun;
      if (m_ended.count(test) != 0) continue;  // ended already (seen in the same poll)
      const CheckSpec* spec = m_lab.check(test);
      m_progress(GradeEvent{GradeEvent::Kind::started, test, spec ? spec->title : test, nullptr, m_begun, m_total});
    }
  }

 private:
  // The whole lines added since `offset` (a line still being written waits for the next poll).
  static std::vector<std::string> new_lines(const fs::path& file, std::size_t& offset) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    in.seekg(static_cast<std::streamoff>(offset));
    std::string chunk((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = chunk.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(chunk.substr(start, nl - start));
    }
    offset += start;
    return lines;
  }

  const LabSpec& m_lab;
  fs::path m_started, m_results;
  std::size_t m_total, m_begun = 0, m_started_read = 0, m_results_read = 0;
  std::set<std::string> m_ended;
  const std::function<void(const GradeEvent&)>& m_progress;
};

}  // namespace

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
  auto selected = [&](const CheckSpec& spec) {
    return options.only.empty() || std::find(options.only.begin(), options.only.end(), spec.test) != options.only.end();
  };
  const int jobs = options.jobs > 0 ? options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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
  Builds student = build_programs(lab, submission, scratch.path() / "build", jobs, cache_dir);
  Builds reference = build_reference(lab, cache_dir, jobs);

  const fs::path results = scratch.path() / "results.jsonl";
  const fs::path started = scratch.path() / "started.txt";
  const fs::path context_file = scratch.path() / "context.json";
  json context = {{"lab_toml", lab.file.string()}, {"scratch", scratch.path().string()},
                  {"results", results.string()},   {"started", started.string()}, {"student", builds_to_json(student)},
                  {"reference", builds_to_json(reference)}, {"only", options.only},
                  {"isolation", to_string(isolation)}, {"isolation_note", isolation_fallback_reason()}};
  const fs::path journals = scratch.path() / "journal";
  if (!options.keep.empty()) context["journal"] = journals.string();
  std::ofstream(context_file) << context.dump();

  double budget = 10.0;
  for (const auto& c : lab.checks) budget += selected(c) ? c.timeout : 0.0;
  HostCommand runner;
  runner.argv = checks.runner;
  runner.argv.push_back(context_file.string());
  runner.time_limit = budget;
  auto process = HostChild::start(runner);
  std::size_t total = 0;
  for (const auto& c : lab.checks) total += selected(c) ? 1 : 0;
  LiveFollower follower(lab, started, results, total, options.progress);
  while (!process->wait_for(std::chrono::milliseconds(options.progress ? 50 : 1000))) follower.poll();
  const HostCommandResult& ended = process->wait();
  follower.poll();
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
  auto found = read_results(results);
  std::string runner_problem;
  if (!ended.exited_with(0)) {
    runner_problem = fmt::format("the check runner {}", ended.describe());
    const std::string& err = ended.err.bytes;
    if (!err.empty()) runner_problem += ": " + err.substr(0, 500);
  }
  for (const auto& spec : lab.checks) {
    if (!selected(spec)) continue;
    auto it = found.find(spec.test);
    if (it != found.end()) {
      report.checks.push_back(it->second);
    } else {
      report.checks.push_back(grader_error_result(
          spec, runner_problem.empty() ? "the check did not run" : runner_problem + " before this check ended"));
    }
  }
  if (!options.keep.empty()) write_keep_folder({options.keep, journals, lab, student, reference}, report);
  report.execution_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

int run_checks_main(const fs::path& context_file) {
  std::ifstream in(context_file);
  json context = json::parse(in);
  GradingContext ctx{load_lab_spec(context.at("lab_toml").get<std::string>()),
                     builds_from_json(context.at("student")), builds_from_json(context.at("reference")),
                     context.at("scratch").get<std::string>()};
  GradingContext::current() = &ctx;
  for (Isolation i : {Isolation::namespaces, Isolation::user_namespaces, Isolation::none}) {  // the grader's, not probed again
    if (to_string(i) == context.at("isolation").get<std::string>()) adopt_isolation(i, context.at("isolation_note").get<std::string>());
  }
  if (context.contains("journal")) ReplayJournal::current().enable(context.at("journal").get<std::string>());
  detect_isolation();  // before faults are armed: a probe's world (if any) is not under test
  arm_fault_injection();

  // The runner runs the lab's whole suite, whatever the environment says.
  for (const char* name : {"GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", "GTEST_FILTER", "GTEST_SHUFFLE"}) ::unsetenv(name);
  std::string filter = "--gtest_filter=" + ctx.lab.suite + ".*";
  if (context.contains("only") && !context.at("only").empty()) {
    filter = "--gtest_filter=";
    for (const auto& test : context.at("only")) filter += ctx.lab.suite + "." + test.get<std::string>() + ":";
  }
  int argc = 2;
  char arg0[] = "labgrade-checks";
  char* argv[] = {arg0, filter.data(), nullptr};
  ::testing::InitGoogleTest(&argc, argv);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new ResultWriter(ctx, context.at("results").get<std::string>(), context.at("started").get<std::string>()));
  int failures = RUN_ALL_TESTS();  // the verdicts are in the results file
  (void)failures;
  GradingContext::current() = nullptr;
  return 0;
}

}  // namespace labgrade
