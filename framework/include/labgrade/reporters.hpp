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

}  // namespace labgrade
