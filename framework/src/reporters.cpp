#include "labgrade/reporters.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "labgrade/content_hash.hpp"

namespace labgrade {

namespace {


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

std::string format_check_line(const CheckResult& c, std::size_t width, const TextStyle& style) {
  const char* mark = "PASS";
  const char* colour = "32";
  if (c.status == CheckResult::Status::failed) {
    mark = c.advisory() ? "NOTE" : "FAIL";
    colour = c.advisory() ? "33" : "31";
  } else if (c.status == CheckResult::Status::grader_error) {
    mark = "ERR ";
    colour = "35";
  } else if (c.status == CheckResult::Status::skipped) {
    mark = "SKIP";
    colour = "33";
  }
  const std::string painted = style.colour ? fmt::format("\033[{}m{}\033[0m", colour, mark) : mark;
  const std::string score = c.advisory() ? "advisory" : format_points(c.score) + "/" + format_points(c.max_score);
  return fmt::format("  {} {:<{}} {:>8}", painted, c.title, width, score);
}

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
  for (const auto& warning : report.warnings) {
    out += paint("33", indent(warning, "               ", "note: gcc warns ")) ;
  }
  const std::vector<Cause> causes = report.causes();
  if (!causes.empty()) {
    const Cause& first = causes.front();
    std::string line = "fix this first: " + first.title;
    if (first.checks.size() > 1) line += fmt::format(" (the cause of {} failed or skipped checks)", first.checks.size());
    if (causes.size() > 1) line += fmt::format("; {} causes in all", causes.size());
    out += paint("1;31", line) + "\n";
  }
  out += "\n";
  int failed = 0, grader_errors = 0, skipped = 0;
  std::size_t width = 20;
  for (const auto& c : report.checks) width = std::max(width, c.title.size());
  for (const auto& c : report.checks) {
    if (c.status == CheckResult::Status::failed && !c.advisory()) ++failed;
    if (c.status == CheckResult::Status::grader_error) ++grader_errors;
    if (c.status == CheckResult::Status::skipped) ++skipped;
    out += format_check_line(c, width, style) + "\n";
    if (c.status == CheckResult::Status::passed) continue;
    if (c.status == CheckResult::Status::skipped) {
      out += indent(c.got, "                   ", "       skipped:    ");
      continue;
    }
    if (c.status == CheckResult::Status::grader_error) {
      out += indent("the grader itself failed here, not your code; please report it", "         ", "         ");
    }
    if (!c.expected.empty()) out += indent(c.expected, "                   ", "       expected:   ");
    if (!c.got.empty()) out += indent(c.got, "                   ", "       got:        ");
    if (!c.hint.empty()) out += indent(c.hint, "                   ", "       hint:       ");
    if (!c.replay.empty()) out += indent(c.replay, "                   ", "       replay:     ");
  }
  out += "\n";
  std::string summary = fmt::format("{}/{} points", format_points(report.score()), format_points(report.max_score()));
  if (grader_errors > 0) {
    summary += fmt::format(", {} grader error{} (exit 3)", grader_errors, grader_errors == 1 ? "" : "s");
  }
  if (failed > 0) summary += fmt::format(", {} check{} failed", failed, failed == 1 ? "" : "s");
  if (skipped > 0) summary += fmt::format(", {} skipped", skipped);
  if (failed == 0 && skipped == 0 && grader_errors == 0) summary += ", all checks passed";
  summary += fmt::format(" in {:.2f} s", report.execution_time);
  out += paint(grader_errors > 0 ? "35" : failed + skipped > 0 ? "31" : "32", summary) + "\n";
  return out;
}

namespace {

const char* machine_status(const CheckResult& c) {
  switch (c.status) {
    case CheckResult::Status::passed: return "passed";
    case CheckResult::Status::skipped: return "skipped";
    default: return "failed";  // a grader error too: its output says so, and the exit code is 3
  }
}

double milliseconds_rounded(double seconds) { return std::round(seconds * 1000) / 1000; }

nlohmann::ordered_json causes_json(const Report& report) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& cause : report.causes()) {
    out.push_back(nlohmann::ordered_json{{"id", cause.test}, {"name", cause.title}, {"checks", cause.checks}});
  }
  return out;
}

}  // namespace

nlohmann::ordered_json format_json(const Report& report) {
  nlohmann::ordered_json tests = nlohmann::ordered_json::array();
  for (const auto& c : report.checks) {
    tests.push_back(nlohmann::ordered_json{{"name", c.title},
                     {"id", c.test},
                     {"score", c.score},
                     {"max_score", c.max_score},
                     {"status", machine_status(c)},
                     {"output", c.output()},
                     {"tags", c.tags},
                     {"visibility", c.visibility},
                     {"duration", milliseconds_rounded(c.seconds)}});
    if (c.status == CheckResult::Status::skipped) tests.back()["blocked_by"] = c.blocked_by;
  }
  return nlohmann::ordered_json{{"lab", report.lab},
          {"score", report.score()},
          {"max_score", report.max_score()},
          {"execution_time", milliseconds_rounded(report.execution_time)},
          {"isolation", report.isolation},
          {"version", LABGRADE_VERSION},
          {"warnings", report.warnings},
          {"causes", causes_json(report)},
          {"tests", tests}};
}

namespace {

// The notes of a run for a whole-submission output: isolation, limits, grader errors.
std::string run_notes(const Report& report) {
  std::string out;
  if (report.isolation == "off")
    out += "note: isolation was off (" + report.isolation_note + "): checks ran one at a time on this machine\n";
  if (!report.cgroups_missing.empty())
    out += "note: no cgroup for a check's memory and process limits (" + report.cgroups_missing + ")\n";
  if (report.has_grader_error())
    out += "the grader itself failed in a check (its output says so): not the student's fault; please report it\n";
  for (const auto& warning : report.warnings) out += "note: gcc warns " + warning + "\n";
  const auto causes = report.causes();
  if (!causes.empty()) {
    out += fmt::format("fix this first: {}", causes.front().title);
    if (causes.front().checks.size() > 1) out += fmt::format(" (the cause of {} failed or skipped checks)", causes.front().checks.size());
    out += "\n";
  }
  return out;
}

// Text as XML 1.0 character data: markup escaped, invalid UTF-8 and the
// characters XML cannot hold (controls but tab, newline, return) replaced by U+FFFD.
std::string xml_text(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool valid = length > 0 && i + length <= in.size();
    for (std::size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(in[i + k]) >> 6) == 0x2;
    if (valid && length == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') valid = false;
    if (valid && length == 2 && c < 0xc2) valid = false;  // overlong
    if (!valid) {
      out += "\xEF\xBF\xBD";
      i += 1;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.append(in, i, length);
    }
    i += length;
  }
  return out;
}

std::string failure_text(const CheckResult& c) {
  std::string out;
  if (!c.expected.empty()) out += "expected: " + c.expected + "\n";
  if (!c.got.empty()) out += "got: " + c.got + "\n";
  if (!c.hint.empty()) out += "hint: " + c.hint + "\n";
  return out;
}

}  // namespace

nlohmann::ordered_json format_gradescope(const Report& report) {
  nlohmann::ordered_json tests = nlohmann::ordered_json::array();
  for (const auto& c : report.checks) {
    std::string output = c.output();
    if (c.status == CheckResult::Status::grader_error)
      output = "the grader itself failed here, not your code; please report it\n" + output;
    tests.push_back(nlohmann::ordered_json{{"name", c.title},
                     {"score", c.score},
                     {"max_score", c.max_score},
                     {"status", c.status == CheckResult::Status::passed ? "passed" : "failed"},  // Gradescope knows no other
                     {"output", output},
                     {"tags", c.tags},
                     {"visibility", c.visibility}});
  }
  return nlohmann::ordered_json{{"score", report.score()},
          {"max_score", report.max_score()},
          {"execution_time", std::round(report.execution_time * 1000) / 1000},
          {"output", fmt::format("{}: {}/{} points\n{}", report.lab, format_points(report.score()), format_points(report.max_score()),
                                 run_notes(report))},
          {"tests", tests}};
}

std::string format_junit(const Report& report) {
  int failures = 0, errors = 0, skipped = 0;
  for (const auto& c : report.checks) {
    if (c.status == CheckResult::Status::grader_error) ++errors;
    else if (c.status == CheckResult::Status::skipped || (c.status == CheckResult::Status::failed && c.advisory())) ++skipped;
    else if (c.status == CheckResult::Status::failed) ++failures;
  }
  const std::string time = fmt::format("{:.3f}", report.execution_time);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"labgrade\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
                     report.checks.size(), failures, errors, skipped, time);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
                     xml_text(report.lab), report.checks.size(), failures, errors, skipped, time);
  out += "    <properties>\n";
  out += fmt::format("      <property name=\"score\" value=\"{}\"/>\n", format_points(report.score()));
  out += fmt::format("      <property name=\"max_score\" value=\"{}\"/>\n", format_points(report.max_score()));
  out += fmt::format("      <property name=\"submission\" value=\"{}\"/>\n", xml_text(report.submission));
  out += fmt::format("      <property name=\"isolation\" value=\"{}\"/>\n", xml_text(report.isolation));
  out += fmt::format("      <property name=\"version\" value=\"{}\"/>\n", LABGRADE_VERSION);
  out += "    </properties>\n";
  for (const auto& c : report.checks) {
    // The name is the check's title alone, the same whatever the outcome (CI keeps a test's history by
    // its name); the points are properties.
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n", xml_text(report.lab), xml_text(c.title), c.seconds);
    out += "      <properties>\n";
    out += fmt::format("        <property name=\"id\" value=\"{}\"/>\n", xml_text(c.test));
    out += fmt::format("        <property name=\"score\" value=\"{}\"/>\n", format_points(c.score));
    out += fmt::format("        <property name=\"max_score\" value=\"{}\"/>\n", format_points(c.max_score));
    out += "      </properties>\n";
    const std::string body = xml_text(failure_text(c));
    if (c.status == CheckResult::Status::grader_error) {
      out += fmt::format("      <error message=\"the grader itself failed here, not your code\" type=\"grader error\">{}</error>\n", body);
    } else if (c.status == CheckResult::Status::skipped) {
      out += fmt::format("      <skipped message=\"{}\"/>\n", xml_text("skipped: " + c.got));
    } else if (c.status == CheckResult::Status::failed && c.advisory()) {
      out += fmt::format("      <skipped message=\"{}\"/>\n", xml_text("advisory (0 points), not met: " + c.got));
    } else if (c.status == CheckResult::Status::failed) {
      out += fmt::format("      <failure message=\"{}\" type=\"failed check\">{}</failure>\n", xml_text("expected " + c.expected), body);
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

nlohmann::ordered_json format_prairielearn(const Report& report) {
  // PrairieLearn reads at most 1 MB: each test's output is cut to a share of it.
  const std::size_t per_test = std::max<std::size_t>(2048, (900u << 10) / std::max<std::size_t>(1, report.checks.size()));
  auto cut = [&](const std::string& text) {
    return text.size() <= per_test ? text : text.substr(0, per_test) + fmt::format("\n... ({} more bytes)", text.size() - per_test);
  };
  nlohmann::ordered_json tests = nlohmann::ordered_json::array();
  for (const auto& c : report.checks) {
    std::string message = c.status == CheckResult::Status::passed ? "passed"
                          : c.status == CheckResult::Status::skipped ? "skipped"
                          : c.status == CheckResult::Status::grader_error ? "the grader itself failed here, not your code"
                          : c.advisory() ? "advisory (0 points): not met" : "failed";
    tests.push_back(nlohmann::ordered_json{{"name", c.title},
                     {"description", c.test},
                     {"points", c.score},
                     {"max_points", c.max_score},
                     {"message", message},
                     {"output", cut(c.output())}});
  }
  const double max = report.max_score();
  nlohmann::ordered_json out{{"gradable", !report.has_grader_error()},
                             {"score", max > 0 ? report.score() / max : 1.0},
                             {"message", fmt::format("{}: {}/{} points", report.lab, format_points(report.score()),
                                                     format_points(max))},
                             {"output", run_notes(report)},
                             {"tests", tests}};
  // A grader error is never the student's: PrairieLearn then counts no attempt and shows why.
  if (report.has_grader_error()) out["format_errors"] = "the grader itself failed (not your code): please tell your instructor";
  return out;
}

}  // namespace labgrade
