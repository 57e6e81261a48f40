// A cgroup per world: memory and process limits that hold for the whole
// world, however many processes it forks (RLIMIT_NPROC is no substitute: it
// counts every process of the uid on the machine, and root ignores it).
//
//   const CgroupSupport& cgroups = cgroup_support();   // detected once
//   WorldCgroup group(cgroups, {.memory_mb = 256, .processes = 64});
//   spawn with options.cgroup_join_fds = group.join_fds();   // the child writes "0"
//   if (auto hit = group.limit_hit()) ...               // "memory limit of 256 MiB exceeded"
//
// cgroup v1 (memory and pids hierarchies, as on machines that mount both) and
// cgroup v2 with the memory and pids controllers delegated to our cgroup are
// used; otherwise `none`, with the reason, and the world keeps its rlimits.
// A group is named labgrade-<pid>-<token>-<n>; remove_stale_cgroups() removes those
// of labgrade runs that were killed before they could.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

enum class CgroupVersion { v1, v2, none };

struct CgroupSupport {
  CgroupVersion version = CgroupVersion::none;
  /// Where worlds' groups are made: v1 one directory per controller
  /// (memory, pids), v2 one directory for both.
  std::filesystem::path memory_parent, pids_parent;
  std::string reason;  // why `none`
};

/// What this machine allows, detected once per process. LABGRADE_CGROUPS=off forces none.
const CgroupSupport& cgroup_support();

/// The CPUs' worth of time this process's cgroups give it: a CFS quota over
/// its period, as a container's --cpus or a Kubernetes pod's CPU limit sets
/// it (the tightest of its own group and those above it that it can see);
/// nullopt: no limit.
std::optional<double> cgroup_cpu_limit();
/// The same, read from the cgroup folder `dir` and those above it up to
/// `top` (v1: cpu.cfs_quota_us over cpu.cfs_period_us; v2: cpu.max).
std::optional<double> cgroup_cpu_limit(CgroupVersion version, const std::filesystem::path& top,
                                       const std::filesystem::path& dir);

/// "cgroup v1 (memory, pids)", "cgroup v2 (memory, pids)", "none (<reason>)".
std::string describe(const CgroupSupport& support);

struct CgroupLimits {
  long memory_mb = 256;  // every process of the world and its /dev/shm together
  long processes = 64;   // processes and threads of the world at once

  bool operator==(const CgroupLimits&) const = default;
};

class WorldCgroup {
 public:
  /// Makes the group with these limits; throws SyscallError naming the file.
  WorldCgroup(const CgroupSupport& support, const CgroupLimits& limits);
  /// Kills what is still in the group; an empty group goes back to a pool of
  /// the process (reused by the next world: cheaper than a new one), removed
  /// at exit. Never throws.
  ~WorldCgroup();
  WorldCgroup(const WorldCgroup&) = delete;
  WorldCgroup& operator=(const WorldCgroup&) = delete;

  /// Open cgroup.procs files: a new child writes "0" to each to join the group.
  std::vector<int> join_fds() const;
  /// The limit the world ran into, in the student's terms, if any:
  /// "memory limit of 256 MiB exceeded", "too many processes (the limit is 64)".
  std::optional<std::string> limit_hit() const;
  /// Kills every process in the group (SIGKILL), waits until it is empty.
  void kill_all() noexcept;

 private:
  CgroupVersion m_version;
  CgroupLimits m_limits;
  std::vector<std::filesystem::path> m_dirs;  // v1: memory, pids; v2: one
  std::vector<UniqueFd> m_procs;
  std::string m_limits_written;
  long m_oom_kills_before = 0, m_pids_max_before = 0;  // a reused group's counters go on
};

/// While it lives, keeps the kernel's cgroup moves fast: moving a process
/// into a group takes a lock that, after an idle spell, first waits for an
/// RCU grace period (6-15 ms here, paid by a world's first program); a
/// thread moves this process where it already is every few milliseconds
/// (a no-op, 50 us when warm). Nothing without cgroups.
class CgroupMovesKeptWarm {
 public:
  explicit CgroupMovesKeptWarm(const CgroupSupport& support);
  ~CgroupMovesKeptWarm();
  CgroupMovesKeptWarm(const CgroupMovesKeptWarm&) = delete;
  CgroupMovesKeptWarm& operator=(const CgroupMovesKeptWarm&) = delete;

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

/// Whether the labgrade process that made the group of this name
/// ("labgrade-<pid>-<token>-<n>") still runs: it holds its token (an
/// abstract socket, seen across pid namespaces), or its pid is alive.
bool cgroup_owner_lives(const std::string& group_name);

/// Removes groups of labgrade processes that no longer run (killed before
/// they could clean up), killing anything left in them.
void remove_stale_cgroups(const CgroupSupport& support) noexcept;

}  // namespace labgrade
