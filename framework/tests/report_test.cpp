// A Report's arithmetic and exit code, and the runner's wire format of a CheckResult.
#include "labgrade/report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labgrade {
namespace {

using ::testing::HasSubstr;

CheckResult check(CheckResult::Status status, double score, double max_score) {
  CheckResult r;
  r.test = "T" + std::to_string(static_cast<int>(max_score * 10 + score));
  r.title = "a check";
  r.status = status;
  r.score = score;
  r.max_score = max_score;
  return r;
}

TEST(Report, AllPassedExitsZero) {
  Report report;
  report.checks = {check(CheckResult::Status::passed, 1, 1), check(CheckResult::Status::passed, 2, 2)};
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_EQ(report.score(), 3);
  EXPECT_EQ(report.max_score(), 3);
}

TEST(Report, FailedCheckWithPointsExitsOne) {
  Report report;
  report.checks = {check(CheckResult::Status::passed, 1, 1), check(CheckResult::Status::failed, 0, 2)};
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.exit_code(), 1);
  EXPECT_EQ(report.score(), 1);
}

TEST(Report, AdvisoryFailureDoesNotFail) {
  Report report;
  report.checks = {check(CheckResult::Status::passed, 1, 1), check(CheckResult::Status::failed, 0, 0)};
  EXPECT_TRUE(report.checks[1].advisory());
  EXPECT_TRUE(report.passed());
  EXPECT_EQ(report.exit_code(), 0);
}

TEST(Report, GraderErrorExitsThreeWhateverElseHappened) {
  Report report;
  report.checks = {check(CheckResult::Status::failed, 0, 1), check(CheckResult::Status::grader_error, 0, 1)};
  EXPECT_TRUE(report.has_grader_error());
  EXPECT_EQ(report.exit_code(), 3);
}

TEST(Report, SkippedCheckWithPointsExitsOne) {
  Report report;
  report.checks = {check(CheckResult::Status::passed, 1, 1), check(CheckResult::Status::skipped, 0, 1)};
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.exit_code(), 1);
  EXPECT_EQ(report.checks[1].output(), "skipped: ");
}

CheckResult named(const std::string& test, CheckResult::Status status, const std::string& got,
                  const std::string& blocked_by = "", double max_score = 1) {
  CheckResult r = check(status, 0, max_score);
  r.test = test;
  r.title = "the check " + test;
  r.got = got;
  r.blocked_by = blocked_by;
  return r;
}

// The causes, first to fix first: the same finding seen again joins the
// first check that showed it; a skipped check joins its blocker's cause;
// passed checks, advisory ones and grader errors are nobody's cause.
TEST(Report, CausesGroupTheSameFindingAndWhatWaitsForIt) {
  Report report;
  report.checks = {named("Build", CheckResult::Status::passed, ""),
                   named("Creates", CheckResult::Status::failed, "killed by SIGBUS"),
                   named("Style", CheckResult::Status::failed, "on stdout", "", 0),
                   named("Outlives", CheckResult::Status::failed, "killed by SIGBUS"),
                   named("Reads", CheckResult::Status::skipped, "it needs Creates", "Creates"),
                   named("Removes", CheckResult::Status::failed, "SYSUOS (4096 bytes)"),
                   named("Broken", CheckResult::Status::grader_error, "grader")};
  const auto causes = report.causes();
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].test, "Creates");
  EXPECT_EQ(causes[0].title, "the check Creates");
  EXPECT_EQ(causes[0].checks, (std::vector<std::string>{"Creates", "Outlives", "Reads"}));
  EXPECT_EQ(causes[1].checks, (std::vector<std::string>{"Removes"}));
  report.checks.resize(1);
  EXPECT_TRUE(report.causes().empty());
}

// Different words, one cause observed (the same wait nothing can end, say,
// in worlds with other names): one cause.
TEST(Report, CausesGroupTheSameObservedCause) {
  Report report;
  report.checks = {named("First", CheckResult::Status::failed, "stuck on FIFO /work/fifo-1"),
                   named("Second", CheckResult::Status::failed, "stuck on FIFO /work/fifo-2"),
                   named("Third", CheckResult::Status::failed, "exited with status 1")};
  report.checks[0].cause = report.checks[1].cause = "it holds the FIFO open for writing itself";
  const auto causes = report.causes();
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].checks, (std::vector<std::string>{"First", "Second"}));
  EXPECT_EQ(causes[1].checks, (std::vector<std::string>{"Third"}));
}

TEST(CheckResult, OutputSaysExpectedFoundAndHint) {
  CheckResult r = check(CheckResult::Status::failed, 0, 1);
  r.expected = "X";
  r.got = "Y";
  r.hint = "H";
  EXPECT_EQ(r.output(), "expected X; found: Y\nhint: H");
  r.status = CheckResult::Status::grader_error;
  EXPECT_THAT(r.output(), HasSubstr("grader error"));
  EXPECT_THAT(r.output(), HasSubstr("expected X; found: Y"));
  r.status = CheckResult::Status::passed;
  EXPECT_EQ(r.output(), "");
}

TEST(CheckResult, WireFormatRoundTrips) {
  CheckResult r = check(CheckResult::Status::grader_error, 0, 2.5);
  r.expected = "e";
  r.got = std::string("g\nwith a NUL: ") + '\0';
  r.hint = "h";
  r.visibility = "after_due_date";
  r.tags = {"a", "b"};
  r.seconds = 0.25;
  r.blocked_by = "Other";
  r.cause = "c";
  CheckResult back = check_result_from_json(nlohmann::json::parse(to_json(r).dump()));
  EXPECT_EQ(back.test, r.test);
  EXPECT_EQ(back.title, r.title);
  EXPECT_EQ(back.status, r.status);
  EXPECT_EQ(back.score, r.score);
  EXPECT_EQ(back.max_score, r.max_score);
  EXPECT_EQ(back.expected, r.expected);
  EXPECT_EQ(back.got, r.got);
  EXPECT_EQ(back.hint, r.hint);
  EXPECT_EQ(back.visibility, r.visibility);
  EXPECT_EQ(back.blocked_by, r.blocked_by);
  EXPECT_EQ(back.cause, r.cause);
  EXPECT_EQ(back.tags, r.tags);
  EXPECT_EQ(back.seconds, r.seconds);
}

}  // namespace
}  // namespace labgrade
