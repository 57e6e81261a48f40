#include "labgrade/signal_guard.hpp"

#include <signal.h>
#include <sys/syscall.h>

#include <fmt/format.h>

#include "labgrade/process.hpp"
#include "labgrade/proc_files.hpp"

namespace labgrade {

namespace {

constexpr int k_max_depth = 256;  // a process tree deeper than this is not a lab's

}  // namespace

bool SignalGuard::in_tree(pid_t pid, pid_t tree_root) const {
  for (int depth = 0; depth < k_max_depth && pid > 0; ++depth) {
    auto status = read_proc_file((m_proc / std::to_string(pid) / "status").string());
    if (!status) return false;
    const long tgid = status_number(*status, "Tgid");  // a thread stands for its process
    if (tgid == tree_root || pid == tree_root) return true;
    pid = static_cast<pid_t>(status_number(*status, "PPid"));
  }
  return false;
}

std::optional<std::string> SignalGuard::refusal(const seccomp_data& call, pid_t caller, pid_t tree_root) const {
  // The caller's pid as the world numbers it (the notification gives the host's).
  const pid_t self = numbers_like_host() ? caller : static_cast<pid_t>(innermost_pid(caller));
  const auto arg = [&](int i) { return static_cast<long>(static_cast<int>(call.args[i])); };
  long target = arg(0);
  int sig = 0;
  std::string what;
  switch (call.nr) {
    case SYS_kill: sig = static_cast<int>(arg(1)); what = fmt::format("kill({}, {})", target, signal_name(sig)); break;
    case SYS_tkill: sig = static_cast<int>(arg(1)); what = fmt::format("tkill({}, {})", target, signal_name(sig)); break;
    case SYS_tgkill: sig = static_cast<int>(arg(2)); what = fmt::format("tgkill({}, {}, {})", target, arg(1), signal_name(sig)); break;
    case SYS_rt_sigqueueinfo: sig = static_cast<int>(arg(1)); what = fmt::format("sigqueue({}, {})", target, signal_name(sig)); break;
    case SYS_rt_tgsigqueueinfo: sig = static_cast<int>(arg(2)); what = fmt::format("rt_tgsigqueueinfo({}, {}, {})", target, arg(1), signal_name(sig)); break;
    case SYS_pidfd_send_signal: {
      sig = static_cast<int>(arg(1));
      auto info = read_proc_file((m_proc / std::to_string(self) / "fdinfo" / std::to_string(target)).string());
      const long pid = info ? status_number(*info, "Pid") : -1;
      if (pid <= 0) return std::nullopt;  // not a pidfd (the call fails by itself), or its process has gone
      what = fmt::format("pidfd_send_signal(a pidfd of pid {}, {})", pid, signal_name(sig));
      target = pid;
      break;
    }
    default: return std::nullopt;
  }
  if (sig == 0) return std::nullopt;
  if (call.nr == SYS_kill && target == -1) return fmt::format("it tried to kill every process ({})", what);
  if (call.nr == SYS_kill && target == 0) return std::nullopt;  // its own process group
  const long pid = call.nr == SYS_kill && target < 0 ? -target : target;
  // Its own tree: the program's, or (an orphan's) the caller's own.
  if (pid == self || in_tree(static_cast<pid_t>(pid), tree_root) || in_tree(static_cast<pid_t>(pid), self)) return std::nullopt;
  return fmt::format("it tried to signal a process that is not its own ({}: {} {} is neither it nor one of its "
                     "children)", what, call.nr == SYS_kill && target < 0 ? "process group" : "pid", pid);
}

}  // namespace labgrade
