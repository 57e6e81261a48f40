// Grading a submission end to end, on the fake lab of framework/tests/data:
// whose fault each failure is (a reference that fails is the grader's error,
// never the student's lost point), what a failed check says, and how a lab
// that does not match its grader is reported.
//
// The checks of the fake lab are the TEST_F(FakeLab, ...) below. They need a
// grading context, so tests_main.cpp filters them out of ordinary runs (and
// of ctest's discovery); grade_submission runs them in its runner, which is
// this same binary started as `/proc/self/exe __run-checks CONTEXT`.
#include "labgrade/grading.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/check.hpp"
#include "labgrade/error.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace {

// ---- The fake lab's checks (run only by the check runner) -----------------

class FakeLab : public labgrade::LabCheck {};

TEST_F(FakeLab, Passes) {
  auto world = new_world();
  world.run(student("prog").stdin_text("unread input\n")).exits(0).stdout_has_line("ok");
}

TEST_F(FakeLab, ReferenceSetupFails) {
  auto world = new_world();
  world.run(reference("prog").args({"fail"})).exits(0);
  world.run(student("prog")).exits(0);
}

TEST_F(FakeLab, StudentFails) {
  auto world = new_world();
  world.run(student("prog").args({"fail"})).exits(0);
}

TEST_F(FakeLab, StudentCrashes) {
  auto world = new_world();
  world.run(student("prog").args({"crash"})).exits(0).hint("the check's own hint");
}

TEST_F(FakeLab, StudentDoesNotCompile) {
  auto world = new_world();
  world.run(student("broken")).exits(0);
}

TEST_F(FakeLab, AdvisoryFails) {
  auto world = new_world();
  world.run(student("prog")).stdout_has_line("never printed");
}

TEST_F(FakeLab, StudentDoesNotCompileAgain) {
  auto world = new_world();
  world.run(student("broken")).exits(0);
}

TEST_F(FakeLab, NeedsAFailedCheck) {
  labgrade::fail_check({"never to be judged", "judged", "", false});
}

TEST_F(FakeLab, NeedsAPassedCheck) {
  auto world = new_world();
  world.run(student("prog")).exits(0);
}

}  // namespace

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path fake_lab_toml() { return test::tests_dir() / "data" / "labs" / "fakelab" / "lab.toml"; }
fs::path fake_submission() { return test::tests_dir() / "data" / "submissions" / "fakelab"; }

bool have_compiler() { return !resolve_host_program({.argv = {"gcc"}}).empty(); }

// The fake lab graded once per test process (each ctest test is a process
// of its own); the reference cache is a TempDir removed at exit.
const Report& fake_report() {
  static TempDir cache("labgrade-test-cache-");
  static const Report report = [] {
    GradeOptions options;
    options.runner = {"/proc/self/exe", "__run-checks"};
    options.cache_dir = cache.path();
    return grade_submission(load_lab_spec(fake_lab_toml()), fake_submission(), options);
  }();
  return report;
}

class Grading : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_compiler()) GTEST_SKIP() << "gcc is not installed";
  }

  const CheckResult& result(const std::string& test) {
    const Report& report = fake_report();
    auto it = std::find_if(report.checks.begin(), report.checks.end(),
                           [&](const CheckResult& r) { return r.test == test; });
    if (it == report.checks.end()) throw std::runtime_error("no result for " + test);
    return *it;
  }
};

std::string describe(const CheckResult& r) {
  return "expected: " + r.expected + "\ngot: " + r.got + "\nhint: " + r.hint;
}

TEST_F(Grading, ReferenceFailureIsAGraderErrorNotAStudentFailure) {
  const CheckResult& r = result("ReferenceSetupFails");
  EXPECT_EQ(r.status, CheckResult::Status::grader_error) << describe(r);
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.max_score, 1);
  EXPECT_THAT(r.expected, HasSubstr("the reference prog to exit with status 0"));
  EXPECT_THAT(r.got, HasSubstr("the reference prog exited with status 3"));
  EXPECT_TRUE(fake_report().has_grader_error());
  EXPECT_EQ(fake_report().exit_code(), 3);
}

TEST_F(Grading, StudentFailureIsAFailedCheck) {
  const CheckResult& r = result("StudentFails");
  EXPECT_EQ(r.status, CheckResult::Status::failed) << describe(r);
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.expected, "your prog to exit with status 0");
  EXPECT_THAT(r.got, HasSubstr("your prog exited with status 3"));
  EXPECT_THAT(r.got, HasSubstr("asked to fail")) << "the student's stderr belongs in the report";
  EXPECT_EQ(r.hint, "the hint from lab.toml");
}

TEST_F(Grading, CrashSaysWhichSignalAndTheChecksOwnHint) {
  const CheckResult& r = result("StudentCrashes");
  EXPECT_EQ(r.status, CheckResult::Status::failed) << describe(r);
  EXPECT_THAT(r.got, HasSubstr("your prog"));
  EXPECT_THAT(r.got, HasSubstr("killed by SIGSEGV"));
  EXPECT_EQ(r.hint, "the check's own hint");
}

TEST_F(Grading, CompileErrorCitesTheCompilersFileAndLine) {
  const CheckResult& r = result("StudentDoesNotCompile");
  EXPECT_EQ(r.status, CheckResult::Status::failed) << describe(r);
  EXPECT_EQ(r.expected, "your broken to compile");
  EXPECT_THAT(r.got, HasSubstr("broken.c:5:"));
  EXPECT_THAT(r.got, HasSubstr("error:"));
}

// The compiler's errors are shown once, by the first check that needs the
// program; a later one is skipped, pointing there.
TEST_F(Grading, ACompileErrorIsShownOnceAndLaterChecksAreSkipped) {
  const CheckResult& r = result("StudentDoesNotCompileAgain");
  EXPECT_EQ(r.status, CheckResult::Status::skipped) << describe(r);
  EXPECT_EQ(r.blocked_by, "StudentDoesNotCompile");
  EXPECT_THAT(r.got, HasSubstr("your broken was not built (why is under \"broken runs\"): fix that first"));
  EXPECT_EQ(r.score, 0);
}

// lab.toml `needs`: a check whose need failed is skipped (never run), one whose need passed runs.
TEST_F(Grading, ACheckWhoseNeedFailedIsSkippedWithTheReason) {
  const CheckResult& skipped = result("NeedsAFailedCheck");
  EXPECT_EQ(skipped.status, CheckResult::Status::skipped) << describe(skipped);
  EXPECT_EQ(skipped.blocked_by, "StudentFails");
  EXPECT_THAT(skipped.got, HasSubstr("it needs \"prog exits with status 0\", which failed: fix that first"));
  EXPECT_EQ(result("NeedsAPassedCheck").status, CheckResult::Status::passed) << describe(result("NeedsAPassedCheck"));
  const auto causes = fake_report().causes();
  ASSERT_FALSE(causes.empty());
  EXPECT_EQ(causes[0].test, "StudentFails");
  EXPECT_EQ(causes[0].checks, (std::vector<std::string>{"StudentFails", "NeedsAFailedCheck"}));
}

TEST_F(Grading, PassingCheckEarnsItsPoints) {
  const CheckResult& r = result("Passes");
  EXPECT_EQ(r.status, CheckResult::Status::passed) << describe(r);
  EXPECT_EQ(r.score, 2);
  EXPECT_EQ(r.max_score, 2);
  EXPECT_EQ(r.title, "prog prints ok");
}

TEST_F(Grading, AdvisoryFailureCostsNothing) {
  const CheckResult& r = result("AdvisoryFails");
  EXPECT_EQ(r.status, CheckResult::Status::failed) << describe(r);
  EXPECT_TRUE(r.advisory());
  EXPECT_THAT(r.got, HasSubstr("its stdout: \"ok\\n\""));
}

TEST_F(Grading, ReportFollowsTheLabsOrder) {
  const Report& report = fake_report();
  std::vector<std::string> order;
  for (const auto& r : report.checks) order.push_back(r.test);
  EXPECT_EQ(order, (std::vector<std::string>{"Passes", "ReferenceSetupFails", "StudentFails", "StudentCrashes",
                                             "StudentDoesNotCompile", "AdvisoryFails", "StudentDoesNotCompileAgain",
                                             "NeedsAFailedCheck", "NeedsAPassedCheck"}));
  EXPECT_EQ(report.lab, "fakelab");
  EXPECT_EQ(report.title, "Fake lab");
  EXPECT_EQ(report.score(), 3);
  EXPECT_EQ(report.max_score(), 9);
  EXPECT_EQ(report.isolation, to_string(detect_isolation()));
  EXPECT_EQ(fs::path(report.submission), fake_submission().lexically_normal());
}

// The checks run in several runners at once (one per core by default); the
// report is the same whichever runner ran what, and in how many: the
// compiler's errors under the same check, the same checks skipped.
TEST_F(Grading, OneRunnerOrFourGiveTheSameReport) {
  for (int runners : {1, 4}) {
    TempDir cache("labgrade-test-cache-");
    GradeOptions options;
    options.runner = {"/proc/self/exe", "__run-checks"};
    options.cache_dir = cache.path();
    options.check_jobs = runners;
    const Report report = grade_submission(load_lab_spec(fake_lab_toml()), fake_submission(), options);
    ASSERT_EQ(report.checks.size(), fake_report().checks.size());
    for (std::size_t i = 0; i < report.checks.size(); ++i) {
      const CheckResult& got = report.checks[i];
      const CheckResult& usual = fake_report().checks[i];
      SCOPED_TRACE(fmt::format("{} runner(s), check {}", runners, usual.test));
      EXPECT_EQ(got.test, usual.test);
      EXPECT_EQ(got.status, usual.status) << describe(got);
      EXPECT_EQ(got.expected, usual.expected);
      EXPECT_EQ(got.got, usual.got);
      EXPECT_EQ(got.hint, usual.hint);
      EXPECT_EQ(got.blocked_by, usual.blocked_by);
      EXPECT_EQ(got.score, usual.score);
    }
  }
}

// The runners start before the builds, their first worlds waiting for the
// programs: a reference that does not compile (a grader error) stops them at
// once, and nothing of theirs is left.
TEST_F(Grading, AReferenceThatDoesNotCompileStopsTheRunnersAndLeavesNothing) {
  TempDir root("labgrade-test-");
  fs::create_directories(root.path() / "labs");
  fs::create_directories(root.path() / "reference");
  fs::copy(fake_lab_toml().parent_path(), root.path() / "labs" / "fakelab", fs::copy_options::recursive);
  fs::copy(test::tests_dir() / "data" / "reference" / "fakelab", root.path() / "reference" / "fakelab",
           fs::copy_options::recursive);
  test::write_text(root.path() / "reference" / "fakelab" / "prog.c", "int main(void) { return 0 }\n");
  GradeOptions options;
  options.runner = {"/proc/self/exe", "__run-checks"};
  options.cache_dir = root.path() / "cache";
  const auto start = std::chrono::steady_clock::now();
  try {
    grade_submission(load_lab_spec(root.path() / "labs" / "fakelab" / "lab.toml"), fake_submission(), options);
    FAIL() << "graded against a reference that does not compile";
  } catch (const GraderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not compile"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10)) << "waited for the runners' time limit";
  std::string children;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) children += test::read_text(task.path() / "children");
  EXPECT_EQ(children, "") << "a runner is left";
}

TEST(GradingSetup, FakeLabChecksAreRegisteredButFilteredFromOrdinaryRuns) {
  auto checks = registered_checks("FakeLab");
  EXPECT_EQ(checks.size(), 9u);
  // What gtest_discover_tests sees: this binary's --gtest_list_tests.
  const HostCommandResult listed = run_on_host({.argv = {"/proc/self/exe", "--gtest_list_tests"}});
  ASSERT_TRUE(listed.exited_with(0)) << listed.describe();
  EXPECT_THAT(listed.out.bytes, HasSubstr("GradingSetup."));
  EXPECT_THAT(listed.out.bytes, ::testing::Not(HasSubstr("FakeLab.")));
}

TEST(GradingSetup, MissingSubmissionIsAUsageError) {
  TempDir scratch("labgrade-test-");
  GradeOptions options;
  options.cache_dir = scratch.path();
  EXPECT_THROW(grade_submission(load_lab_spec(fake_lab_toml()), scratch.path() / "nobody", options), UsageError);
}

// A copy of the fake lab's lab.toml, changed, in labs/fakelab of a TempDir.
class MismatchedLab : public ::testing::Test {
 protected:
  std::string grading_error(const std::string& toml) {
    const fs::path file = m_root.path() / "labs" / "fakelab" / "lab.toml";
    test::write_text(file, toml);
    GradeOptions options;
    options.cache_dir = m_root.path() / "cache";
    try {
      grade_submission(load_lab_spec(file), fake_submission(), options);
    } catch (const LabSpecError& e) {
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected a LabSpecError, got: " << e.what();
      return "";
    }
    ADD_FAILURE() << "expected a LabSpecError";
    return "";
  }
  std::string original() const { return test::read_text(fake_lab_toml()); }

  TempDir m_root{"labgrade-test-"};
};

TEST_F(MismatchedLab, CheckMissingFromTheGraderIsALabSpecError) {
  std::string message = grading_error(original() + "\n[[checks]]\ntest = \"NoSuchCheck\"\ntitle = \"missing\"\n");
  EXPECT_THAT(message, HasSubstr("no check \"NoSuchCheck\" in the grader suite FakeLab"));
  EXPECT_THAT(message, HasSubstr("checks[9].test"));
}

TEST_F(MismatchedLab, GraderCheckMissingFromLabTomlIsALabSpecError) {
  std::string text = original();
  const std::string advisory = "[[checks]]\ntest = \"AdvisoryFails\"";
  ASSERT_NE(text.find(advisory), std::string::npos);
  text.erase(text.find(advisory));
  std::string message = grading_error(text);
  EXPECT_THAT(message, HasSubstr("AdvisoryFails"));
  EXPECT_THAT(message, HasSubstr("does not list"));
}

TEST_F(MismatchedLab, UnknownSuiteIsALabSpecError) {
  std::string text = original();
  text.replace(text.find("suite = \"FakeLab\""), std::string("suite = \"FakeLab\"").size(), "suite = \"NoSuchSuite\"");
  std::string message = grading_error(text);
  EXPECT_THAT(message, HasSubstr("lab.suite"));
  EXPECT_THAT(message, HasSubstr("NoSuchSuite"));
}

}  // namespace
}  // namespace labgrade

namespace labgrade {
namespace {

// The grader's own system calls, made to fail in the check runner
// (LABGRADE_INJECT_FAULT): a grader error naming the call, its arguments and
// errno, never the student's lost point, and nothing left running.
class FaultInjection : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(FaultInjection, AFailedCallOfTheGraderIsAGraderErrorThatNamesIt) {
  if (!have_compiler()) GTEST_SKIP() << "gcc is not installed";
  const auto [call, message] = GetParam();
  if (std::string(call) != "fork" && std::string(call) != "memfd_create" && detect_isolation() == Isolation::none)
    GTEST_SKIP() << "no world of our own to fail here";
  TempDir scratch("labgrade-test-");
  GradeOptions options;
  options.runner = {"/proc/self/exe", "__run-checks"};
  options.cache_dir = scratch.path() / "cache";
  options.only = {"Passes"};
  ::setenv("LABGRADE_INJECT_FAULT", call, 1);
  Report report = grade_submission(load_lab_spec(test::tests_dir() / "data" / "labs" / "fakelab" / "lab.toml"),
                                   test::tests_dir() / "data" / "submissions" / "fakelab", options);
  ::unsetenv("LABGRADE_INJECT_FAULT");
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_EQ(report.checks[0].status, CheckResult::Status::grader_error) << report.checks[0].got;
  EXPECT_THAT(report.checks[0].got, HasSubstr(message));
  EXPECT_EQ(report.exit_code(), 3);
  auto children = [] {  // of this test process: the runner, and anything it left to us
    std::string all;
    for (const auto& task : fs::directory_iterator("/proc/self/task")) all += test::read_text(task.path() / "children");
    return all;
  };
  EXPECT_EQ(children(), "") << "a process of the failed check is left";
}

INSTANTIATE_TEST_SUITE_P(
    GraderCalls, FaultInjection,
    ::testing::Values(std::pair{"fork", "to start \""}, std::pair{"clone", "clone(CLONE_NEWIPC|CLONE_NEWNS"},
                      std::pair{"mount", "mount(tmpfs, /dev/shm)(in the world's init): Operation not permitted"},
                      std::pair{"memfd_create", "memfd_create(\"labgrade-stdin\""}),
    [](const auto& param_info) { return std::string(param_info.param.first); });

}  // namespace
}  // namespace labgrade
