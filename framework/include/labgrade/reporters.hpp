// Reporters format a Report; they never grade.
//
//   std::cout << format_text(report, TextStyle{.colour = isatty(1)});
//   std::cout << format_json(report).dump(2);
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "labgrade/report.hpp"

namespace labgrade {

struct TextStyle {
  bool colour = false;
};

/// A check's line as the text report shows it ("  PASS title    1/1"), the
/// title padded to `width`, its mark painted when style.colour; no newline.
std::string format_check_line(const CheckResult& check, std::size_t width, const TextStyle& style);

/// For a person: each check with pass/fail and points, and for a failure what
/// was expected, what happened and a hint; a summary line.
std::string format_text(const Report& report, const TextStyle& style);

/// The JSON of cli.md: {lab, score, max_score, execution_time, isolation,
/// version, causes, tests: [{name, id, score, max_score, status, output,
/// tags, visibility, duration[, blocked_by]}]}, keys in that order.
nlohmann::ordered_json format_json(const Report& report);

/// Gradescope's results.json: score, max_score, execution_time, output (the
/// run's notes), tests (name, score, max_score, status, output, tags,
/// visibility) — the autograder's whole job is to write it.
nlohmann::ordered_json format_gradescope(const Report& report);

/// JUnit XML, one <testcase> per check, as GitHub's and GitLab's test
/// reporters read it: named by the check's title alone (the same name passing
/// or failing), its id and points as properties; a failed check is a
/// <failure> (expected, got, hint), a grader error an <error>, a skipped
/// check or an advisory one not met (0 points) <skipped>. Always valid UTF-8 XML 1.0.
std::string format_junit(const Report& report);

/// PrairieLearn's external grader results.json: gradable (false only when
/// the grader broke), score 0..1, message, output (the run's notes), tests
/// (name, description = the check's id, points, max_points, message,
/// output), under PrairieLearn's 1 MB.
nlohmann::ordered_json format_prairielearn(const Report& report);

}  // namespace labgrade
