#include "labgrade/proc_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sstream>

namespace labgrade {

std::optional<std::string> read_proc_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

double ProcStat::cpu_seconds() const {
  return static_cast<double>(utime_ticks + stime_ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<ProcStat> read_proc_stat(const std::string& path) {
  auto text = read_proc_file(path);
  if (!text) return std::nullopt;
  const auto close = text->rfind(')');  // the fields follow the name's last ')'
  if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
  std::istringstream fields(text->substr(close + 2));
  ProcStat stat;
  std::string field;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // field 3: state; 14 and 15: utime, stime (clock ticks)
    if (i == 3) stat.state = field[0];
    if (i == 14) stat.utime_ticks = std::stol(field);
    if (i == 15) stat.stime_ticks = std::stol(field);
  }
  if (!fields) return std::nullopt;
  return stat;
}

}  // namespace labgrade

namespace labgrade {

long status_number(const std::string& status, const std::string& field) {
  const std::string key = "\n" + field + ":";
  std::size_t at = status.rfind(field + ":", 0) == 0 ? 0 : status.find(key);
  if (at == std::string::npos) return -1;
  at = status.find(':', at) + 1;
  std::istringstream in(status.substr(at, status.find('\n', at) - at));
  long value = -1;
  in >> value;
  return value;
}

int innermost_pid(int host_pid) {
  auto status = read_proc_file("/proc/" + std::to_string(host_pid) + "/status");
  if (!status) return -1;
  const std::size_t at = status->find("\nNSpid:");
  if (at == std::string::npos) return host_pid;
  std::istringstream fields(status->substr(at + 7, status->find('\n', at + 1) - at - 7));
  int pid = -1, last = -1;
  while (fields >> pid) last = pid;
  return last;
}

}  // namespace labgrade
