#include "labgrade/report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace labgrade {

namespace {

const char* status_name(CheckResult::Status s) {
  switch (s) {
    case CheckResult::Status::passed: return "passed";
    case CheckResult::Status::failed: return "failed";
    case CheckResult::Status::grader_error: return "grader_error";
    case CheckResult::Status::skipped: return "skipped";
  }
  return "failed";
}

CheckResult::Status status_from(const std::string& s) {
  if (s == "passed") return CheckResult::Status::passed;
  if (s == "grader_error") return CheckResult::Status::grader_error;
  if (s == "skipped") return CheckResult::Status::skipped;
  return CheckResult::Status::failed;
}

}  // namespace

std::string CheckResult::output() const {
  if (status == Status::passed) return "";
  if (status == Status::skipped) return "skipped: " + got;
  std::string text;
  if (status == Status::grader_error) text = "grader error (not your fault; please report it): ";
  if (!expected.empty()) text += "expected " + expected;
  if (!got.empty()) text += (expected.empty() ? "" : "; found: ") + got;
  if (!hint.empty()) text += "\nhint: " + hint;
  return text;
}

nlohmann::json to_json(const CheckResult& r) {
  nlohmann::json j = {{"test", r.test},         {"title", r.title}, {"status", status_name(r.status)},
          {"score", r.score},       {"max_score", r.max_score}, {"expected", r.expected},
          {"got", r.got},           {"hint", r.hint},   {"visibility", r.visibility},
          {"tags", r.tags},         {"seconds", r.seconds}, {"blocked_by", r.blocked_by},
          {"cause", r.cause}};
  if (!r.not_built.empty()) j["not_built"] = r.not_built, j["not_built_skip"] = r.not_built_skip;
  return j;
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
  r.blocked_by = j.value("blocked_by", std::string());
  r.cause = j.value("cause", std::string());
  r.not_built = j.value("not_built", std::string());
  r.not_built_skip = j.value("not_built_skip", std::string());
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

std::vector<Cause> Report::causes() const {
  std::vector<Cause> out;
  // Each cause's `got` and observed cause, to see the same failure again:
  // the same words, or the same cause observed (a deadlock on the same
  // call, the same signal where the same fix applies).
  std::vector<std::pair<std::string, std::string>> findings;
  auto cause_of = [&](const std::string& test) -> Cause* {
    for (auto& c : out) {
      if (std::find(c.checks.begin(), c.checks.end(), test) != c.checks.end()) return &c;
    }
    return nullptr;
  };
  for (const auto& c : checks) {
    if (c.advisory() || (c.status != CheckResult::Status::failed && c.status != CheckResult::Status::skipped)) continue;
    Cause* joined = nullptr;
    if (c.status == CheckResult::Status::skipped && !c.blocked_by.empty()) joined = cause_of(c.blocked_by);
    for (std::size_t i = 0; joined == nullptr && c.status == CheckResult::Status::failed && i < out.size(); ++i) {
      if ((!c.got.empty() && findings[i].first == c.got) || (!c.cause.empty() && findings[i].second == c.cause))
        joined = &out[i];
    }
    if (joined != nullptr) {
      joined->checks.push_back(c.test);
    } else {
      out.push_back(Cause{c.test, c.title, {c.test}});
      if (c.status == CheckResult::Status::failed) findings.emplace_back(c.got, c.cause);
      else findings.emplace_back();
    }
  }
  return out;
}

int Report::exit_code() const {
  if (has_grader_error()) return 3;
  return passed() ? 0 : 1;
}

}  // namespace labgrade
