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
  EXPECT_EQ(back.tags, r.tags);
  EXPECT_EQ(back.seconds, r.seconds);
}

}  // namespace
}  // namespace labgrade
