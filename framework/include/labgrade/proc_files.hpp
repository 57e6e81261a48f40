// The kernel's small text files under /proc, read the one way they must be:
// whole, in one go, and /proc/<pid>/stat split after the command name (which
// may hold spaces and parentheses).
//
//   if (auto stat = read_proc_stat(fmt::format("/proc/{}/stat", pid))) stat->state == 'Z' ...
//   auto status = read_proc_file(fmt::format("/proc/{}/status", pid));   // nothing once it is gone
#pragma once

#include <optional>
#include <string>

namespace labgrade {

/// The whole file; nothing when it cannot be opened (the process has gone,
/// or may not be looked at).
std::optional<std::string> read_proc_file(const std::string& path);

/// What labgrade reads of /proc/<pid>/stat (or .../task/<tid>/stat).
struct ProcStat {
  char state = '?';  // R running, S sleeping, D disk, Z zombie, T stopped, X dead...
  long utime_ticks = 0;
  long stime_ticks = 0;
  double cpu_seconds() const;  // user + system
};

/// Nothing when the file cannot be read or does not parse.
std::optional<ProcStat> read_proc_stat(const std::string& path);

}  // namespace labgrade

namespace labgrade {

/// The number after `field:` in a /proc/<pid>/status text ("PPid", "Tgid"); -1 when absent.
long status_number(const std::string& status, const std::string& field);

/// The pid as the innermost pid namespace of the process numbers it (the
/// last NSpid of /proc/<host_pid>/status); -1 once it has gone.
int innermost_pid(int host_pid);

/// What a process is doing now, as a check tells it to a student.
struct ProcessActivity {
  bool asleep = false;          // state S: blocked in a system call
  std::string call;             // that call as C names it ("pause", "sigsuspend", "read", ...); "" unknown
  unsigned long long blocked = 0;  // its blocked signals (SigBlk), bit n-1 for signal n
  unsigned long long pending = 0;  // signals waiting for it (SigPnd | ShdPnd)
  bool waits_only_for_a_signal() const { return asleep && (call == "pause" || call == "sigsuspend"); }
};

/// Nothing when the process has gone (or may not be looked at).
std::optional<ProcessActivity> read_activity(int host_pid);

/// "SIGUSR1, SIGTERM": the signals of a mask as C names them.
std::string signal_names(unsigned long long mask);

}  // namespace labgrade
