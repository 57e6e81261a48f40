// What grading a submission produced: one CheckResult per check, in the
// order of lab.toml. Reporters (reporters.hpp) only format a Report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace labgrade {

struct CheckResult {
  /// skipped: not judged, because a check it needs failed (`blocked_by`, the
  /// reason in `got`); it scores nothing, as a failure does.
  enum class Status { passed, failed, grader_error, skipped };
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
  std::string blocked_by;  // skipped: the check whose failure holds it back (the root of a chain)
  std::string cause;       // failed: the cause labgrade observed (its advice, also in `hint`), "" for none
  /// --keep: the command that replays it by hand ("sh keep/X/replay.sh"), or
  /// why there is none; "" when not kept. Set by the grader, shown by the
  /// text report only.
  std::string replay;
  /// Between a runner and the grader only (check.hpp's Failure): the
  /// student's program it met unbuilt, and how it reads when skipped.
  std::string not_built, not_built_skip;

  bool advisory() const { return max_score == 0; }
  /// "expected X; found: Y\nhint: H" (the JSON `output`).
  std::string output() const;
};

nlohmann::json to_json(const CheckResult& result);        // the runner's wire format
CheckResult check_result_from_json(const nlohmann::json& j);

/// One cause of failure, in the student's terms: the check that shows it,
/// and every check it costs (the same failure seen again, the checks skipped
/// because of it).
struct Cause {
  std::string test;                 // the check that shows it (its id)
  std::string title;
  std::vector<std::string> checks;  // ids: itself first, then the others it costs
};

struct Report {
  std::string lab;
  std::string title;
  std::string submission;
  std::vector<CheckResult> checks;
  double execution_time = 0;
  std::string isolation;       // "namespaces", "user namespaces", "off"
  std::string isolation_note;  // why isolation is off, when it is
  std::string cgroups_missing;  // why a world's limits are per program only ("" when cgroups hold them)
  std::vector<std::string> warnings;  // the compiler's warnings on the student's programs (advisory notes)

  double score() const;
  double max_score() const;
  bool has_grader_error() const;
  /// Every check that carries points passed.
  bool passed() const;
  /// 0 passed, 1 a check with points failed, 3 the grader broke.
  int exit_code() const;
  /// The causes of the failed and skipped checks that carry points, the first
  /// to fix first: a failure is a cause of its own unless an earlier check
  /// failed with the very same finding; a skipped check joins its blocker's.
  std::vector<Cause> causes() const;
};

}  // namespace labgrade
