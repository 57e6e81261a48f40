#include "labgrade/report.hpp"

#include <fmt/format.h>

namespace labgrade {

namespace {

const char* status_name(CheckResult::Status s) {
  switch (s) {
    case CheckResult::Status::passed: return "passed";
    case CheckResult::Status::failed: return "failed";
    case CheckResult::Status::grader_error: return "grader_error";
  }
  return "failed";
}

CheckResult::Status status_from(const std::string& s) {
  if (s == "passed") return CheckResult::Status::passed;
  if (s == "grader_error") return CheckResult::Status::grader_error;
  return CheckResult::Status::failed;
}

}  // namespace

std::string CheckResult::output() const {
  if (status == Status::passed) return "";
  std::string text;
  if (status == Status::grader_error) text = "grader error (not your fault; please report it): ";
  if (!expected.empty()) text += "expected " + expected;
  if (!got.empty()) text += (expected.empty() ? "" : "; found: ") + got;
  if (!hint.empty()) text += "\nhint: " + hint;
  return text;
}

nlohmann::json to_json(const CheckResult& r) {
  return {{"test", r.test},         {"title", r.title}, {"status", status_name(r.status)},
          {"score", r.score},       {"max_score", r.max_score}, {"expected", r.expected},
          {"got", r.got},           {"hint", r.hint},   {"visibility", r.visibility},
          {"tags", r.tags},         {"seconds", r.seconds}};
}

CheckResult check_result_from_json(const nlohmann::json& j) {
  CheckResult r;
  r.test = j.at("test").get<std::string>();
  r.title = j.at("title").get<std::string>();
  r.status = status_from(j.at("status").get<std::string>());
  r.score = j.at("score").get<double>();
  r.max_score = j.at("max_score").get<double>();
  r.expected = j.at("expected").get<std::string>();
  r.got = j.at("got").get<std::string>();
  r.hint = j.at("hint").get<std::string>();
  r.visibility = j.at("visibility").get<std::string>();
  r.tags = j.at("tags").get<std::vector<std::string>>();
  r.seconds = j.at("seconds").get<double>();
  return r;
}

double Report::score() const {
  double total = 0;
  for (const auto& c : checks) total += c.score;
  return total;
}

double Report::max_score() const {
  double total = 0;
  for (const auto& c : checks) total += c.max_score;
  return total;
}

bool Report::has_grader_error() const {
  for (const auto& c : checks) {
    if (c.status == CheckResult::Status::grader_error) return true;
  }
  return false;
}

bool Report::passed() const {
  for (const auto& c : checks) {
    if (!c.advisory() && c.status != CheckResult::Status::passed) return false;
  }
  return true;
}

int Report::exit_code() const {
  if (has_grader_error()) return 3;
  return passed() ? 0 : 1;
}

}  // namespace labgrade
