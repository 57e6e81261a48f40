// The check runner: `__run-checks CONTEXT.json`, a separate process started
// by grade_submission (grading.cpp), one per core. It runs the lab's
// GoogleTest suite, keeps the checks its claims give it (parallel_checks.hpp),
// and writes each one's CheckResult as a JSON line the grader reads.
#include <cstdio>
#include <optional>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "labgrade/check.hpp"
#include "labgrade/fault_injection.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/parallel_checks.hpp"
#include "labgrade/phase_trace.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/world.hpp"
#include "labgrade/worlds_ahead.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The runner's listener: turns each finished check of its own into one CheckResult line.
class ResultWriter : public ::testing::EmptyTestEventListener {
 public:
  ResultWriter(GradingContext& context, CheckClaims& claims, const fs::path& file, const fs::path& started)
      : m_lab(context.lab), m_context(context), m_claims(claims), m_out(file, std::ios::app),
        m_started(started, std::ios::app) {}

  void OnTestStart(const ::testing::TestInfo& info) override {
    current_failure().reset();
    m_context.current_test = info.name();
    m_context.not_ours = !m_claims.ours(info.name());
    if (m_context.not_ours) return;
    trace_phase(std::string("check starts ") + info.name());
    ReplayJournal::current().begin(info.name());
    m_started << info.name() << '\n' << std::flush;  // for the grader's live display
    m_start = std::chrono::steady_clock::now();
    m_context.waited_for_builds = {};
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
    if (m_context.cores != nullptr) m_context.cores->release();  // its worlds have ended
    const CheckSpec* spec = m_lab.check(info.name());
    if (spec == nullptr || m_context.not_ours) {
      m_context.not_ours = false;
      m_unexpected.clear();
      m_context.current_test.clear();
      return;
    }
    CheckResult r = result_of(info, *spec);
    keep_journal(r);
    m_unexpected.clear();
    current_failure().reset();
    m_context.outcomes[r.test] = {r.status == CheckResult::Status::passed, r.title,
                                  r.blocked_by.empty() ? r.test : r.blocked_by};
    m_context.current_test.clear();
    m_out << to_json(r).dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
    trace_phase("check ends " + r.test);
  }

 private:
  CheckResult result_of(const ::testing::TestInfo& info, const CheckSpec& spec) const {
    CheckResult r;
    r.test = spec.test;
    r.title = spec.title;
    r.max_score = spec.points;
    r.visibility = spec.visibility;
    r.tags = spec.tags;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start - m_context.waited_for_builds).count();
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
      r.hint = failure->hint.empty() ? spec.hint : failure->hint;
      if (!failure->general_hint.empty()) r.hint += (r.hint.empty() ? "" : "\n") + failure->general_hint;
      if (failure->observed) r.cause = failure->general_hint;
      r.not_built = failure->not_built;
      r.not_built_skip = failure->not_built_skip;
    } else if (info.result()->Passed()) {
      r.status = CheckResult::Status::passed;
      r.score = spec.points;
    } else {
      r.status = CheckResult::Status::grader_error;
      r.got = "the check failed without saying why";
    }
    return r;
  }

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
  CheckClaims& m_claims;
  std::ofstream m_out;
  std::ofstream m_started;
  std::string m_unexpected;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace

int run_checks_main(const fs::path& context_file) {
  trace_phase("runner starts");
  std::ifstream in(context_file);
  json context = json::parse(in);
  GradingContext ctx{load_lab_spec(context.at("lab_toml").get<std::string>()),
                     BuildFeed(context.at("builds").get<std::string>()), context.at("scratch").get<std::string>()};
  GradingContext::current() = &ctx;
  for (Isolation i : {Isolation::namespaces, Isolation::user_namespaces, Isolation::none}) {  // the grader's, not probed again
    if (to_string(i) == context.at("isolation").get<std::string>()) adopt_isolation(i, context.at("isolation_note").get<std::string>());
  }
  if (context.contains("journal")) ReplayJournal::current().enable(context.at("journal").get<std::string>());
  detect_isolation();  // before faults are armed: a probe's world (if any) is not under test
  arm_fault_injection();
  CheckClaims claims(context.at("claims").get<std::string>(),
                     context.at("groups").get<std::map<std::string, std::string>>(), context.at("runner").get<int>());
  SharedCores cores(context.at("cores").get<std::string>());
  ctx.cores = &cores;
  ctx.all_cores = context.value("all_cores", Cores{});
  // The first check's world is made while the compilers work, each next one while a check runs.
  std::optional<WorldsAhead> worlds;
  if (context.value("worlds_ahead", true)) {
    worlds.emplace(context.at("cores").get<std::string>());
    ctx.worlds = &*worlds;
    worlds->prepare(check_world_options(ctx, false));
  }

  // The runner runs the lab's selected checks, whatever the environment says.
  for (const char* name : {"GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX", "GTEST_FILTER", "GTEST_SHUFFLE"}) ::unsetenv(name);
  std::string filter = "--gtest_filter=";
  for (const auto& [test, group] : context.at("groups").items()) filter += ctx.lab.suite + "." + test + ":";
  int argc = 2;
  char arg0[] = "labgrade-checks";
  char* argv[] = {arg0, filter.data(), nullptr};
  ::testing::InitGoogleTest(&argc, argv);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new ResultWriter(ctx, claims, context.at("results").get<std::string>(),
                                    context.at("started").get<std::string>()));
  trace_phase("runner ready");
  int failures = RUN_ALL_TESTS();  // the verdicts are in the results file
  (void)failures;
  trace_phase(fmt::format("runner ends ({} of its checks' worlds made ahead)", worlds ? worlds->taken_ready() : 0));
  GradingContext::current() = nullptr;
  return 0;
}

}  // namespace labgrade
