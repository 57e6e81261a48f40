// The unprivileged user that a world's programs and the compiler run as.
//
//   SandboxUser user = SandboxUser::take();  // root: a uid of labgrade's own, held while `user` lives
//   options.run_as = user.run_as();           // the spawned program drops to it before execve
//
// As root, each world takes a uid of its own from labgrade's range (60000 to
// 60999, as isolate's boxes do; uids and gids the machine's /etc/passwd or
// /etc/group already name are skipped), held machine-wide by an abstract
// socket named after it, so that two worlds alive at once never share one,
// whichever labgrade process or user made them. A program of one world can
// then never signal, or count against the process limit of, another's.
// Not root, the programs stay the caller's own user (a user namespace maps
// it to an ordinary uid inside, never to root): there is nothing to take.
#pragma once

#include <sys/types.h>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// The ids a spawned program switches to before execve (nothing to switch: -1).
struct RunAs {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  bool switches() const noexcept { return uid != static_cast<uid_t>(-1); }
};

class SandboxUser {
 public:
  static constexpr uid_t k_first_uid = 60000;
  static constexpr uid_t k_uid_count = 1000;
  /// The uid (and gid) that programs inside a user namespace run as: an
  /// ordinary user, not root, mapped to the caller outside.
  static constexpr uid_t k_uid_in_user_namespace = 1000;

  /// Root: the first free uid of the range, held until destruction. Not root:
  /// the caller's own ids, nothing held. Throws GraderError when the range is
  /// exhausted (a thousand worlds alive at once).
  static SandboxUser take();

  SandboxUser() = default;
  uid_t uid() const noexcept { return m_uid; }
  gid_t gid() const noexcept { return m_gid; }
  /// What a spawn must switch to (nothing when not root).
  RunAs run_as() const noexcept { return m_switches ? RunAs{m_uid, m_gid} : RunAs{}; }

 private:
  UniqueFd m_lock;  // bound to @labgrade-uid-<uid>: the uid is ours while it is open
  uid_t m_uid = static_cast<uid_t>(-1);
  gid_t m_gid = static_cast<gid_t>(-1);
  bool m_switches = false;
};

}  // namespace labgrade
