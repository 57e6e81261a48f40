// Grading a lab with the grader's control of time ([clock] control = true),
// end to end, on the fake clock lab of framework/tests/data: a check sees its
// program asleep, wakes it, and learns whether it called shmdt; programs that
// ask for 10-second sleeps are graded in well under 3 seconds.
//
// The checks of the fake clock lab are the TEST_F(FakeClock, ...) below. Like
// grading_test.cpp's FakeLab, they need a grading context: tests_main.cpp
// filters them out of ordinary runs, and grade_submission runs them in its
// runner (this binary, `/proc/self/exe __run-checks CONTEXT`).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/check.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;

// ---- The fake clock lab's checks (run only by the check runner) -----------

class FakeClock : public labgrade::LabCheck {};

TEST_F(FakeClock, SleeperIsWoken) {
  auto world = new_world();
  auto p = world.run(student("sleeper"));
  p.sleeps();
  p.wake();
  p.exits(0).stdout_has_line("awake").within(1s);
}

TEST_F(FakeClock, UnwokenSleepIsScaled) {
  auto world = new_world();
  world.run(student("sleeper")).exits(0).within(1s);
}

TEST_F(FakeClock, DetachIsSeen) {
  auto world = new_world();
  world.run(student("segment").args({"detach"})).exits(0).called("shmdt");
}

TEST_F(FakeClock, MissingShmdtFails) {
  auto world = new_world();
  world.run(student("segment")).exits(0).called("shmdt");
}

TEST_F(FakeClock, NoSleepFails) {
  auto world = new_world();
  world.run(student("segment").args({"detach"})).sleeps();
}

}  // namespace

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path fake_clock_toml() { return test::tests_dir() / "data" / "labs" / "fakeclock" / "lab.toml"; }
fs::path fake_clock_submission() { return test::tests_dir() / "data" / "submissions" / "fakeclock"; }

struct TimedReport {
  Report report;
  double seconds = 0;  // the whole grading: builds (reference and shim included), runner, checks
};

// Graded once per test process, from a cold cache (a TempDir removed at exit).
const TimedReport& fake_clock_report() {
  static TempDir cache("labgrade-test-cache-");
  static const TimedReport timed = [] {
    GradeOptions options;
    options.runner = {"/proc/self/exe", "__run-checks"};
    options.cache_dir = cache.path();
    const auto start = std::chrono::steady_clock::now();
    TimedReport t{grade_submission(load_lab_spec(fake_clock_toml()), fake_clock_submission(), options), 0};
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return t;
  }();
  return timed;
}

std::string describe(const CheckResult& r) {
  return "expected: " + r.expected + "\ngot: " + r.got + "\nhint: " + r.hint;
}

class ClockGrading : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
  }

  const CheckResult& result(const std::string& test) {
    const Report& report = fake_clock_report().report;
    auto it = std::find_if(report.checks.begin(), report.checks.end(),
                           [&](const CheckResult& r) { return r.test == test; });
    if (it == report.checks.end()) throw std::runtime_error("no result for " + test);
    return *it;
  }
};

TEST_F(ClockGrading, TenSecondSleepsAreGradedInUnderThreeSeconds) {
  const TimedReport& timed = fake_clock_report();
  EXPECT_LT(timed.seconds, 3.0) << "grading the fake clock lab, whose programs sleep 10 s each";
  EXPECT_FALSE(timed.report.has_grader_error());
  std::vector<std::string> order;
  for (const auto& r : timed.report.checks) order.push_back(r.test);
  EXPECT_EQ(order, (std::vector<std::string>{"SleeperIsWoken", "UnwokenSleepIsScaled", "DetachIsSeen",
                                             "MissingShmdtFails", "NoSleepFails"}));
  EXPECT_EQ(timed.report.score(), 4);
  EXPECT_EQ(timed.report.max_score(), 6);
  EXPECT_EQ(timed.report.exit_code(), 1);
}

TEST_F(ClockGrading, SleepingProgramIsSeenAsleepAndWoken) {
  const CheckResult& r = result("SleeperIsWoken");
  EXPECT_EQ(r.status, CheckResult::Status::passed) << describe(r);
  EXPECT_EQ(r.score, 2);
  EXPECT_LT(r.seconds, 1.0);
}

TEST_F(ClockGrading, UnwokenSleepLastsItsScaledTime) {
  const CheckResult& r = result("UnwokenSleepIsScaled");
  EXPECT_EQ(r.status, CheckResult::Status::passed) << describe(r);
  EXPECT_LT(r.seconds, 1.0);
}

TEST_F(ClockGrading, ShmdtIsSeen) {
  const CheckResult& r = result("DetachIsSeen");
  EXPECT_EQ(r.status, CheckResult::Status::passed) << describe(r);
}

TEST_F(ClockGrading, MissingShmdtIsTheStudentsFailure) {
  const CheckResult& r = result("MissingShmdtFails");
  EXPECT_EQ(r.status, CheckResult::Status::failed) << describe(r);
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.expected, "your segment to call shmdt() before it exits");
  EXPECT_THAT(r.got, HasSubstr("exited with status 0 without calling shmdt()"));
  EXPECT_EQ(r.hint, "call shmdt(ptr) before you remove the segment");
}

TEST_F(ClockGrading, ProgramThatNeverSleepsFailsSleeps) {
  const CheckResult& r = result("NoSleepFails");
  EXPECT_EQ(r.status, CheckResult::Status::failed) << describe(r);
  EXPECT_THAT(r.expected, HasSubstr("your segment to sleep"));
  EXPECT_THAT(r.got, HasSubstr("it ended without sleeping"));
  EXPECT_THAT(r.got, HasSubstr("exited with status 0"));
  EXPECT_LT(r.seconds, 1.0) << "Run::sleeps() must notice the end, not wait for the check's deadline";
}

TEST(ClockGradingSetup, FakeClockChecksAreRegisteredButFilteredFromOrdinaryRuns) {
  EXPECT_EQ(registered_checks("FakeClock").size(), 5u);
  const HostCommandResult listed = run_on_host({.argv = {"/proc/self/exe", "--gtest_list_tests"}});
  ASSERT_TRUE(listed.exited_with(0)) << listed.describe();
  EXPECT_THAT(listed.out.bytes, HasSubstr("ClockGradingSetup."));
  EXPECT_THAT(listed.out.bytes, ::testing::Not(HasSubstr("FakeClock.")));
  EXPECT_THAT(listed.out.bytes, ::testing::Not(HasSubstr("FakeLab.")));
}

}  // namespace
}  // namespace labgrade
