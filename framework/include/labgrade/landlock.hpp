// Landlock: what keeps a program away from the machine's files (and, by ABI,
// from TCP, from signalling and from abstract sockets outside its own process
// tree) where no namespace can be had and programs run on the host.
//
//   LandlockPolicy policy;
//   policy.read_only = {"/usr", "/lib", "/lib64", "/etc", "/proc"};
//   policy.read_write = {scratch.path(), "/dev/shm", "/dev/null"};
//   LandlockRuleset ruleset = LandlockRuleset::build(policy);  // before fork
//   ruleset.allow_read(program);                               // still before fork
//   // in the child, after fork, just before execve (async-signal-safe):
//   if (!ruleset.restrict_self()) child_fail("landlock_restrict_self", errno);
//   // reports: ruleset.describe() == "Landlock (ABI 7): files, TCP, signals and abstract sockets"
//
// Everything a rule does not allow is refused with EACCES (files, TCP) or
// EPERM (signals, abstract sockets), to root as well, and so is ptrace (and
// /proc/<pid>/environ, maps, mem) of processes outside the domain. Landlock
// cannot refuse stat, chdir, access, chmod or chown, nor use of files opened
// before restrict_self; UDP and pathname UNIX sockets stay open. Root keeps a
// hole: with CAP_PERFMON or CAP_SYS_ADMIN, recent kernels (6.18 here) let it
// read any process's /proc/<pid>/environ, maps and auxv before Landlock is
// asked, so programs must run without those capabilities.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// What the running kernel offers, detected once per process
/// (landlock_create_ruleset with LANDLOCK_CREATE_RULESET_VERSION).
/// LABGRADE_LANDLOCK=off forces abi 0, to try the machinery without it;
/// LABGRADE_LANDLOCK=N (1-9) uses at most ABI N, as an older kernel would.
struct LandlockSupport {
  int abi = 0;         // 0: not available
  std::string reason;  // why not, when abi == 0: "Landlock is disabled at boot (EOPNOTSUPP)"
};
const LandlockSupport& landlock_support();

/// What a sandboxed program may do with files and the network.
struct LandlockPolicy {
  /// Read files, list directories, execute: system folders, /etc, /proc, a program's binary.
  std::vector<std::filesystem::path> read_only;
  /// Everything: its working directory, /dev/shm, /dev/mqueue, /dev/null ...
  std::vector<std::filesystem::path> read_write;
  /// ABI >= 4: TCP bind and connect handled with no rule, so no TCP at all.
  bool no_tcp = true;
  /// ABI >= 6: no signals to, and no connecting to abstract UNIX sockets of,
  /// processes outside the restricted process and its descendants.
  bool scoped = true;
};

/// A ruleset built before fork (it allocates, opens paths), applied in the
/// child after fork (async-signal-safe). Move-only.
class LandlockRuleset {
 public:
  /// The newest ABI whose rights this code knows: a newer kernel is used as this one.
  static constexpr int k_newest_known_abi = 7;

  /// Builds it for the best ABI the kernel has: it handles every access right
  /// that ABI knows (fs rights, with REFER from ABI 2, TRUNCATE from 3,
  /// IOCTL_DEV from 5; TCP from 4; scopes from 6). A path that does not exist
  /// is skipped (a machine without /lib64) and listed in skipped(); a path
  /// that is a file gets only the rights a file can have (read_only files:
  /// EXECUTE | READ_FILE). Throws GraderError when landlock_support().abi == 0,
  /// SyscallError (the call, the path, errno) on any other failure.
  static LandlockRuleset build(const LandlockPolicy& policy);

  LandlockRuleset(LandlockRuleset&&) noexcept = default;
  LandlockRuleset& operator=(LandlockRuleset&&) noexcept = default;

  /// Adds a read-only rule (a program's binary, say): it holds for children
  /// restricted after it, not for those restricted before. Unlike build(), a
  /// path that does not exist is an error here: throws SyscallError.
  void allow_read(const std::filesystem::path& path);

  /// In the child: prctl(PR_SET_NO_NEW_PRIVS), then landlock_restrict_self.
  /// Only system calls: safe after fork. Restricts the calling thread (all of
  /// a child just forked) and what it later forks and executes. Returns false
  /// (errno set) on failure.
  bool restrict_self() const noexcept;
  /// The ruleset's descriptor (a child keeps it open until restrict_self).
  int fd() const noexcept { return m_fd.get(); }

  /// The ABI in force: the kernel's, at most k_newest_known_abi.
  int abi() const noexcept { return m_abi; }
  /// Paths of the policy that did not exist, hence got no rule.
  const std::vector<std::filesystem::path>& skipped() const noexcept { return m_skipped; }
  /// For reports, in words: "Landlock (ABI 7): files, TCP, signals and
  /// abstract sockets", "Landlock (ABI 2): files".
  std::string describe() const;

 private:
  LandlockRuleset() = default;
  /// Adds one rule: false when the path does not exist, throws on other failures.
  bool add_path_rule(const std::filesystem::path& path, bool writable);

  UniqueFd m_fd;
  int m_abi = 0;
  std::uint64_t m_handled_fs = 0;
  std::uint64_t m_handled_net = 0;
  std::uint64_t m_scoped = 0;
  std::vector<std::filesystem::path> m_skipped;
};

}  // namespace labgrade
