#include "labgrade/appended_lines.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "labgrade/error.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

std::vector<std::string> AppendedLines::read_new() {
  UniqueFd fd{::open(m_file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd && errno == ENOENT) return {};
  if (!fd) throw SyscallError("open", "\"" + m_file.string() + "\", O_RDONLY", errno);
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::pread(fd.get(), buffer, sizeof buffer, static_cast<off_t>(m_offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SyscallError("pread", m_file.string(), errno);
    if (n == 0) break;
    m_offset += static_cast<std::size_t>(n);
    m_partial.append(buffer, static_cast<std::size_t>(n));
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = m_partial.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(m_partial.substr(start, nl - start));
  }
  m_partial.erase(0, start);
  return lines;
}

}  // namespace labgrade
