// What grading a submission produced: one CheckResult per check, in the
// order of lab.toml. Reporters (reporters.hpp) only format a Report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace labgrade {

struct CheckResult {
  enum class Status { passed, failed, grader_error };
  std::string test;   // GoogleTest name
  std::string title;  // what the student reads
  Status status = Status::failed;
  double score = 0;
  double max_score = 0;
  std::string expected;
  std::string got;
  std::string hint;
  std::string visibility = "visible";
  std::vector<std::string> tags;
  double seconds = 0;

  bool advisory() const { return max_score == 0; }
  /// "expected X; found: Y\nhint: H" (the JSON `output`).
  std::string output() const;
};

nlohmann::json to_json(const CheckResult& result);        // the runner's wire format
CheckResult check_result_from_json(const nlohmann::json& j);

struct Report {
  std::string lab;
  std::string title;
  std::string submission;
  std::vector<CheckResult> checks;
  double execution_time = 0;
  std::string isolation;       // "namespaces", "user namespaces", "off"
  std::string isolation_note;  // why isolation is off, when it is
  std::string cgroups_missing;  // why a world's limits are per program only ("" when cgroups hold them)

  double score() const;
  double max_score() const;
  bool has_grader_error() const;
  /// Every check that carries points passed.
  bool passed() const;
  /// 0 passed, 1 a check with points failed, 3 the grader broke.
  int exit_code() const;
};

}  // namespace labgrade
