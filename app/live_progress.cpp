#include "live_progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "labgrade/content_hash.hpp"  // format_points

namespace labgrade {

LiveProgress::LiveProgress(const LabSpec& lab, int fd) : m_fd(fd) {
  for (const auto& c : lab.checks) m_width = std::max(m_width, c.title.size());
}

LiveProgress::~LiveProgress() { erase(); }

void LiveProgress::write(const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(m_fd, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a display only: never the grading's failure
    done += static_cast<std::size_t>(n);
  }
}

void LiveProgress::status(const std::string& text) {
  write("\r\033[K\033[2m" + text + "\033[0m");
  m_status = true;
}

void LiveProgress::show(const GradeEvent& e) {
  switch (e.kind) {
    case GradeEvent::Kind::building:
      status("building your programs ...");
      break;
    case GradeEvent::Kind::started:
      status(fmt::format("  ...  {:<{}}  ({}/{})", e.title, m_width, e.index, e.total));
      break;
    case GradeEvent::Kind::ended: {
      const CheckResult& r = *e.result;
      const bool passed = r.status == CheckResult::Status::passed;
      const char* mark = passed ? "PASS" : r.status == CheckResult::Status::skipped ? "SKIP"
                         : r.status == CheckResult::Status::grader_error ? "ERR " : r.advisory() ? "NOTE" : "FAIL";
      const char* colour = passed ? "32" : r.status == CheckResult::Status::grader_error ? "35"
                           : r.status == CheckResult::Status::skipped || r.advisory() ? "33" : "31";
      const std::string score = r.advisory() ? "advisory" : format_points(r.score) + "/" + format_points(r.max_score);
      write(fmt::format("\r\033[K  \033[{}m{}\033[0m {:<{}} {:>8}  {:.1f} s\n", colour, mark, r.title, m_width, score, r.seconds));
      m_status = false;
      ++m_lines;
      break;
    }
  }
}

void LiveProgress::erase() {
  std::string text = "\r\033[K";
  if (m_lines > 0) text += fmt::format("\033[{}F\033[J", m_lines);
  if (m_lines > 0 || m_status) write(text);
  m_lines = 0;
  m_status = false;
}

bool live_progress_wanted(const std::string& format, const std::string& output_file) {
  const char* term = std::getenv("TERM");
  return format == "text" && output_file.empty() && ::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO) &&
         !(term != nullptr && std::string(term) == "dumb");
}

}  // namespace labgrade
