#include "labgrade/phase_trace.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace labgrade {

namespace {

// The trace file, opened once (O_APPEND: the grader's and the runners' lines never mix within a line).
int trace_fd() noexcept {
  static const int fd = [] {
    const char* path = std::getenv("LABGRADE_TRACE");
    return path == nullptr || *path == '\0' ? -1 : ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }();
  return fd;
}

}  // namespace

void trace_phase(std::string_view what) noexcept {
  const int fd = trace_fd();
  if (fd < 0) return;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  char head[64];
  const int n = std::snprintf(head, sizeof head, "%.3f %d ", now.tv_sec * 1e3 + now.tv_nsec / 1e6, ::getpid());
  std::string line(head, static_cast<std::size_t>(n));
  line.append(what);
  line += '\n';
  [[maybe_unused]] const ssize_t written = ::write(fd, line.data(), line.size());
}

}  // namespace labgrade
