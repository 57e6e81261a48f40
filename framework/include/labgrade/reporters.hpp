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

/// For a person: each check with pass/fail and points, and for a failure what
/// was expected, what happened and a hint; a summary line.
std::string format_text(const Report& report, const TextStyle& style);

/// The JSON of cli.md: {lab, score, max_score, execution_time, tests: [...]}, keys in that order.
nlohmann::ordered_json format_json(const Report& report);

/// Gradescope's results.json: score, max_score, execution_time, output (the
/// run's notes), tests (name, score, max_score, status, output, tags,
/// visibility) — the autograder's whole job is to write it.
nlohmann::ordered_json format_gradescope(const Report& report);

/// JUnit XML, one <testcase> per check, as GitHub's and GitLab's test
/// reporters read it: a failed check is a <failure> (expected, got, hint), a
/// grader error an <error>, an advisory check not met (0 points) <skipped>;
/// the points are the suite's properties. Always valid UTF-8 XML 1.0.
std::string format_junit(const Report& report);

}  // namespace labgrade
