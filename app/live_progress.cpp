#include "live_progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "labgrade/reporters.hpp"

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
      write(fmt::format("\r\033[K{}  {:.1f} s\n", format_check_line(r, m_width, TextStyle{.colour = true}), r.seconds));
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
