// Where a program may send signals: to itself and the processes it started
// (its own process tree), never to the other programs of its world, the
// grader, the machine's processes, or every process at once (kill(-1, ...)).
//
//   SignalGuard guard("/proc/<init>/root/proc");   // the /proc that numbers pids as the program does
//   // the pump, on a seccomp notification of kill(2) & co:
//   if (auto why = guard.refusal(notif.data, notif.pid, tree_root)) respond EPERM, remember *why;
//
// The calls are kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo and
// pidfd_send_signal, reported by the seccomp filter SeccompFilter::watch()
// to the listener its Process serves. A refused call fails with EPERM, as if
// the target belonged to another user, and the check names the cause. Signal
// 0 (does it exist?) sends nothing and is always let through. The pid calls
// go on as made (their target is a number, fixed in the notification);
// pidfd_send_signal names its target by a descriptor that another thread of
// the caller could swap while it is judged, so the guard judges a copy of
// that very descriptor and sends the signal itself.
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace labgrade {

class SignalGuard {
 public:
  /// `proc`: "/proc" on the host, or the world's own /proc seen from outside.
  explicit SignalGuard(std::filesystem::path proc) : m_proc(std::move(proc)) {}

  /// Why the call `call`, made by `caller` (a host pid, as the notification
  /// gives it), must be refused when its process tree is rooted at `tree_root`
  /// (numbered as `proc` numbers it); nothing when it may go on.
  std::optional<std::string> refusal(const seccomp_data& call, pid_t caller, pid_t tree_root) const;

  /// The answer to the pidfd_send_signal of `request` (received from
  /// `listener`), its caller of the tree rooted at `tree_root_host` (host
  /// pids): the call's result for the caller (0 or -errno) and, when
  /// refused, why.
  struct PidfdAnswer {
    int result;
    std::optional<std::string> refused;
  };
  static PidfdAnswer send_through_pidfd(const seccomp_notif& request, int listener, pid_t tree_root_host);

  /// Whether its /proc is the host's (pids need no translation).
  bool numbers_like_host() const { return m_proc == "/proc"; }

  /// Whether `pid` (numbered as `proc` does) is `tree_root` or descends from it.
  bool in_tree(pid_t pid, pid_t tree_root) const;

 private:
  std::filesystem::path m_proc;
};

}  // namespace labgrade
