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
