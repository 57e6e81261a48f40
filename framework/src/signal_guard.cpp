#include "labgrade/signal_guard.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "labgrade/process.hpp"
#include "labgrade/proc_files.hpp"
#include "labgrade/unique_fd.hpp"

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
    case SYS_pidfd_send_signal: return std::nullopt;  // answered by send_through_pidfd()
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

SignalGuard::PidfdAnswer SignalGuard::send_through_pidfd(const seccomp_notif& request, int listener, pid_t tree_root_host) {
  const seccomp_data& call = request.data;
  const auto caller = static_cast<pid_t>(request.pid);
  const int sig = static_cast<int>(call.args[1]);
  UniqueFd caller_fd{static_cast<int>(::syscall(SYS_pidfd_open, caller, 0))};
  // The notification still waits: its pid was not recycled, the pidfd is the caller's.
  std::uint64_t id = request.id;
  if (!caller_fd || ::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) return {-ESRCH, std::nullopt};
  UniqueFd copy{static_cast<int>(::syscall(SYS_pidfd_getfd, caller_fd.get(), static_cast<int>(call.args[0]), 0))};
  if (!copy) return {-EBADF, std::nullopt};
  auto info = read_proc_file(fmt::format("/proc/self/fdinfo/{}", copy.get()));
  const long target = info ? status_number(*info, "Pid") : -1;
  if (target <= 0) return {info ? -ESRCH : -EBADF, std::nullopt};  // not a pidfd, or its process has gone
  const SignalGuard host("/proc");
  const bool own = target == caller || host.in_tree(static_cast<pid_t>(target), tree_root_host) ||
                   host.in_tree(static_cast<pid_t>(target), caller);
  if (sig != 0 && (!own || call.args[2] != 0)) {
    const std::string what = fmt::format("pidfd_send_signal(a pidfd of pid {}, {}{})", innermost_pid(static_cast<int>(target)),
                                         signal_name(sig), call.args[2] != 0 ? ", a siginfo" : "");
    return {-EPERM, own ? fmt::format("it sent a signal with a siginfo of its own making ({})", what)
                        : fmt::format("it tried to signal a process that is not its own ({}: pid {} is neither it nor "
                                      "one of its children)", what, innermost_pid(static_cast<int>(target)))};
  }
  if (::syscall(SYS_pidfd_send_signal, copy.get(), sig, nullptr, static_cast<unsigned>(call.args[3])) != 0)
    return {-errno, std::nullopt};
  return {0, std::nullopt};
}

}  // namespace labgrade
