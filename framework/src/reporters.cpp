#include "labgrade/reporters.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace labgrade {

namespace {

std::string points(double value) { return fmt::format("{:g}", std::round(value * 100) / 100); }

std::string indent(const std::string& text, const std::string& prefix, const std::string& first) {
  std::stringstream in(text);
  std::string line, out;
  bool is_first = true;
  while (std::getline(in, line)) {
    out += (is_first ? first : prefix) + line + "\n";
    is_first = false;
  }
  return out;
}

}  // namespace

std::string format_text(const Report& report, const TextStyle& style) {
  auto paint = [&](const char* code, const std::string& text) {
    return style.colour ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
  };
  std::string out = fmt::format("{} — {}\n", paint("1", report.lab + ": " + report.title), report.submission);
  if (report.isolation == "off") {
    out += paint("33", "note: isolation was off (" + report.isolation_note +
                           "): checks ran one at a time on this machine's own /dev/shm and IPC") + "\n";
  }
  if (!report.cgroups_missing.empty()) {
    out += paint("33", "note: no cgroup for a check's memory and process limits (" + report.cgroups_missing +
                           "): each program has its own rlimits only") + "\n";
  }
  out += "\n";
  int failed = 0, grader_errors = 0;
  std::size_t width = 20;
  for (const auto& c : report.checks) width = std::max(width, c.title.size());
  for (const auto& c : report.checks) {
    const char* mark = "PASS";
    const char* colour = "32";
    if (c.status == CheckResult::Status::failed) {
      mark = c.advisory() ? "NOTE" : "FAIL";
      colour = c.advisory() ? "33" : "31";
      if (!c.advisory()) ++failed;
    } else if (c.status == CheckResult::Status::grader_error) {
      mark = "ERR ";
      colour = "35";
      ++grader_errors;
    }
    std::string score = c.advisory() ? "advisory" : points(c.score) + "/" + points(c.max_score);
    out += fmt::format("  {} {:<{}} {:>8}\n", paint(colour, mark), c.title, width, score);
    if (c.status == CheckResult::Status::passed) continue;
    if (c.status == CheckResult::Status::grader_error) {
      out += indent("the grader itself failed here, not your code; please report it", "         ", "         ");
    }
    if (!c.expected.empty()) out += indent(c.expected, "                   ", "       expected:   ");
    if (!c.got.empty()) out += indent(c.got, "                   ", "       got:        ");
    if (!c.hint.empty()) out += indent(c.hint, "                   ", "       hint:       ");
  }
  out += "\n";
  std::string summary = fmt::format("{}/{} points", points(report.score()), points(report.max_score()));
  if (grader_errors > 0) {
    summary += fmt::format(", {} grader error{} (exit 3)", grader_errors, grader_errors == 1 ? "" : "s");
  }
  if (failed > 0) summary += fmt::format(", {} check{} failed", failed, failed == 1 ? "" : "s");
  else if (grader_errors == 0) summary += ", all checks passed";
  summary += fmt::format(" in {:.2f} s", report.execution_time);
  out += paint(grader_errors > 0 ? "35" : failed > 0 ? "31" : "32", summary) + "\n";
  return out;
}

nlohmann::ordered_json format_json(const Report& report) {
  nlohmann::ordered_json tests = nlohmann::ordered_json::array();
  for (const auto& c : report.checks) {
    tests.push_back(nlohmann::ordered_json{{"name", c.title},
                     {"score", c.score},
                     {"max_score", c.max_score},
                     {"status", c.status == CheckResult::Status::passed ? "passed" : "failed"},
                     {"output", c.output()},
                     {"tags", c.tags},
                     {"visibility", c.visibility}});
  }
  return nlohmann::ordered_json{{"lab", report.lab},
          {"score", report.score()},
          {"max_score", report.max_score()},
          {"execution_time", std::round(report.execution_time * 1000) / 1000},
          {"tests", tests}};
}

}  // namespace labgrade
