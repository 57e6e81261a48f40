// `check` on a terminal: while it grades, the running check on a status line
// and each check's PASS/FAIL line as soon as it ends; all of it erased before
// the full report is printed (which says the same, with the details).
//
//   LiveProgress live(lab, STDERR_FILENO);
//   options.progress = [&](const GradeEvent& e) { live.show(e); };
//   Report report = grade_submission(lab, dir, options);
//   live.erase();
#pragma once

#include <cstddef>

#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"

namespace labgrade {

class LiveProgress {
 public:
  LiveProgress(const LabSpec& lab, int fd);
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;
  ~LiveProgress();

  void show(const GradeEvent& event);
  /// Removes every line it wrote.
  void erase();

 private:
  void write(const std::string& text);
  void status(const std::string& text);

  int m_fd;
  std::size_t m_width = 20;
  std::size_t m_lines = 0;  // whole lines written (above the status line)
  bool m_status = false;    // a status line is shown
};

/// Whether `check` should show live progress: its report goes to a terminal
/// as text, and stderr is that terminal too.
bool live_progress_wanted(const std::string& format, const std::string& output_file);

}  // namespace labgrade
