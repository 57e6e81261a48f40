#include "labgrade/proc_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

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

namespace {

// The x86-64 numbers of the calls a program of these labs sleeps in.
std::string call_name(long number) {
  switch (number) {
    case 0: return "read";
    case 1: return "write";
    case 7: return "poll";
    case 23: return "select";
    case 34: return "pause";
    case 35: return "nanosleep";
    case 43: return "accept";
    case 61: return "wait";
    case 65: return "semop";
    case 69: return "msgsnd";
    case 70: return "msgrcv";
    case 130: return "sigsuspend";
    case 202: return "a futex (a lock or a condition)";
    case 220: return "semtimedop";
    case 230: return "clock_nanosleep";
    case 232: return "epoll_wait";
    case 242: return "mq_send";
    case 243: return "mq_receive";
    case 247: return "waitid";
    case 270: return "pselect";
    case 271: return "ppoll";
    case 281: return "epoll_pwait";
    case 288: return "accept4";
    default: return {};
  }
}

unsigned long long status_mask(const std::string& status, const std::string& field) {
  const std::string key = "\n" + field + ":";
  const std::size_t at = status.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoull(status.c_str() + at + key.size(), nullptr, 16);
}

}  // namespace

std::optional<ProcessActivity> read_activity(int host_pid) {
  const auto stat = read_proc_stat(fmt::format("/proc/{}/stat", host_pid));
  const auto status = read_proc_file(fmt::format("/proc/{}/status", host_pid));
  if (!stat || !status) return std::nullopt;
  ProcessActivity a;
  a.asleep = stat->state == 'S';
  if (auto syscall = read_proc_file(fmt::format("/proc/{}/syscall", host_pid)); syscall && a.asleep) {
    char* end = nullptr;
    const long number = std::strtol(syscall->c_str(), &end, 10);
    if (end != syscall->c_str()) a.call = call_name(number);
  }
  a.blocked = status_mask("\n" + *status, "SigBlk");
  a.pending = status_mask("\n" + *status, "SigPnd") | status_mask("\n" + *status, "ShdPnd");
  return a;
}

std::string signal_names(unsigned long long mask) {
  std::string out;
  for (int sig = 1; sig <= 64; ++sig) {
    if ((mask & (1ull << (sig - 1))) == 0) continue;
    const char* name = sigabbrev_np(sig);
    out += (out.empty() ? "" : ", ") + (name != nullptr ? "SIG" + std::string(name) : fmt::format("signal {}", sig));
  }
  return out;
}

}  // namespace labgrade
