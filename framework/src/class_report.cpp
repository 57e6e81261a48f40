#include "labgrade/class_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "labgrade/content_hash.hpp"

namespace labgrade {

namespace {


// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string html(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += (c < 0x20 && c != '\n' && c != '\t') ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

// A path segment for a link: percent-encoded bytes outside the unreserved set.
std::string url_segment(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

const CheckResult* result_of(const StudentResult& s, const std::string& test) {
  for (const auto& c : s.report.checks) {
    if (c.test == test) return &c;
  }
  return nullptr;
}

bool timed_out(const StudentResult& s) {
  return std::any_of(s.report.checks.begin(), s.report.checks.end(),
                     [](const CheckResult& c) {
                       return c.got.find("timed out after") != std::string::npos || c.got.find("was stuck after") != std::string::npos;
                     });
}

}  // namespace

std::string format_grades_csv(const LabSpec& lab, const std::vector<StudentResult>& students) {
  std::string out = "name,score,max_score";
  for (const auto& check : lab.checks) out += "," + csv_field(check.title);
  out += "\r\n";
  for (const auto& s : students) {
    out += csv_field(s.name) + "," + (s.problem.empty() ? format_points(s.report.score()) : "") + "," + format_points(lab.max_score());
    for (const auto& check : lab.checks) {
      const CheckResult* c = result_of(s, check.test);
      out += ",";
      if (c == nullptr) continue;  // not graded (see the student's problem)
      out += c->status == CheckResult::Status::grader_error ? "ERROR" : format_points(c->score);
    }
    out += "\r\n";
  }
  return out;
}

std::string format_class_html(const LabSpec& lab, const std::vector<StudentResult>& students) {
  const double max = lab.max_score();
  // The distribution: ten bins of the score (the last holds full marks).
  constexpr int k_bins = 10;
  std::vector<int> bins(k_bins, 0);
  int graded = 0;
  for (const auto& s : students) {
    if (!s.problem.empty()) continue;
    ++graded;
    const double fraction = max > 0 ? s.report.score() / max : 0;
    bins[std::clamp(static_cast<int>(fraction * k_bins), 0, k_bins - 1)]++;
  }
  const int tallest = std::max(1, *std::max_element(bins.begin(), bins.end()));
  std::string chart = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"score distribution\" viewBox=\"0 0 {} 200\" width=\"100%\">\n",
      k_bins * 60 + 40);
  for (int b = 0; b < k_bins; ++b) {
    const double height = 140.0 * bins[b] / tallest;
    const int x = 40 + b * 60;
    chart += fmt::format("  <rect class=\"bar\" x=\"{}\" y=\"{:.1f}\" width=\"48\" height=\"{:.1f}\"><title>{} students</title></rect>\n",
                         x, 170 - height, height, bins[b]);
    chart += fmt::format("  <text x=\"{}\" y=\"{:.1f}\" class=\"count\">{}</text>\n", x + 24, 164 - height, bins[b]);
    chart += fmt::format("  <text x=\"{}\" y=\"190\" class=\"axis\">{}–{}%</text>\n", x + 24, b * 10, b == k_bins - 1 ? 100 : b * 10 + 9);
  }
  chart += "  <line x1=\"36\" y1=\"170\" x2=\"" + std::to_string(k_bins * 60 + 40) + "\" y2=\"170\" class=\"base\"/>\n</svg>\n";

  // Each check's failure rate, in lab.toml's order.
  std::string rates;
  for (const auto& check : lab.checks) {
    int failed = 0, errors = 0, seen = 0;
    for (const auto& s : students) {
      const CheckResult* c = result_of(s, check.test);
      if (c == nullptr) continue;
      ++seen;
      if (c->status == CheckResult::Status::failed || c->status == CheckResult::Status::skipped) ++failed;  // not met
      if (c->status == CheckResult::Status::grader_error) ++errors;
    }
    const double rate = seen > 0 ? 100.0 * failed / seen : 0;
    rates += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} of {}</td><td class=\"rate-cell\"><div class=\"rate\"><div style=\"width:{:.1f}%\"></div></div> {:.0f}%</td><td class=\"num\">{}</td></tr>\n",
        html(check.title), check.points == 0 ? "advisory" : format_points(check.points), failed, seen, rate, rate, errors);
  }

  // Students the grader failed, or whose programs timed out: to look at.
  std::string attention;
  for (const auto& s : students) {
    std::string why;
    if (!s.problem.empty()) why = "not graded: " + s.problem;
    else if (s.report.has_grader_error()) why = "the grader failed in a check (exit 3)";
    else if (timed_out(s)) why = "a program timed out or was stuck";
    if (!why.empty())
      attention += fmt::format("<li><a href=\"{}/feedback.txt\">{}</a>: {}</li>\n", url_segment(s.name), html(s.name), html(why));
  }
  if (attention.empty()) attention = "<li>none</li>\n";

  std::string rows;
  for (const auto& s : students) {
    rows += fmt::format("<tr><td><a href=\"{}/feedback.txt\">{}</a></td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                        url_segment(s.name), html(s.name),
                        s.problem.empty() ? fmt::format("{}/{}", format_points(s.report.score()), format_points(max)) : "—",
                        !s.problem.empty() ? "not graded" : s.report.has_grader_error() ? "grader error"
                                                          : s.report.passed() ? "all checks passed" : "checks failed");
  }

  return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: class report</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.2em; margin-top: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; }}
td.num {{ text-align: right; white-space: nowrap; }} td.rate-cell {{ white-space: nowrap; }}
.chart {{ max-width: 44em; display: block; }}
.chart .bar {{ fill: #4a7bd0; }} .chart .base {{ stroke: #444; }}
.chart text {{ font-size: 12px; text-anchor: middle; fill: #333; }}
.rate {{ display: inline-block; width: 10em; height: 0.8em; background: #eee; vertical-align: middle; }}
.rate div {{ height: 100%; background: #d0544a; }}
</style>
</head>
<body>
<h1>{title} ({lab}): class report</h1>
<p>{graded} of {total} students graded; full marks: {max} points.</p>
<h2 id="distribution">Score distribution</h2>
{chart}<h2 id="checks">Failure rate per check</h2>
<table id="check-table">
<tr><th>check</th><th>points</th><th>failed</th><th>rate</th><th>grader errors</th></tr>
{rates}</table>
<h2 id="attention">To look at</h2>
<ul>
{attention}</ul>
<h2 id="students">Students</h2>
<table id="student-table">
<tr><th>student</th><th>score</th><th></th></tr>
{rows}</table>
</body>
</html>
)",
                     fmt::arg("title", html(lab.title)), fmt::arg("lab", html(lab.name)), fmt::arg("graded", graded),
                     fmt::arg("total", students.size()), fmt::arg("max", format_points(max)), fmt::arg("chart", chart),
                     fmt::arg("rates", rates), fmt::arg("attention", attention), fmt::arg("rows", rows));
}

void write_class_files(const LabSpec& lab, const std::vector<StudentResult>& students, const std::filesystem::path& out_dir) {
  write_file_atomically(out_dir / "grades.csv", format_grades_csv(lab, students));
  write_file_atomically(out_dir / "report.html", format_class_html(lab, students));
}

}  // namespace labgrade
