// The system calls no IPC lab needs, refused to every program in a world:
// a seccomp filter (made with libseccomp) that kills the process making one
// (ptrace, mount, kexec, bpf, keyctl, module loading, namespaces, ...).
//
//   const SeccompFilter& filter = SeccompFilter::for_programs();  // built once, before any fork
//   // in the child, after fork, just before execve (async-signal-safe):
//   if (!filter.install()) child_fail(...);
//
// A program killed by it ends with SIGSYS; ProcessResult::describe() says so.
#pragma once

#include <linux/filter.h>

#include <string>
#include <utility>
#include <vector>

namespace labgrade {

class SeccompFilter {
 public:
  /// The filter for students' and reference programs (built on first use;
  /// throws SyscallError if libseccomp cannot build it).
  /// `on_host`: the programs run without a network namespace of their own,
  /// so socket() of the families refused_socket_families() fails (EACCES).
  static const SeccompFilter& for_programs(bool on_host = false);
  /// The programs' filter for a world's service (rpcbind), a Debian daemon
  /// that refuses to start unless geteuid() is 0 and then drops to a user of
  /// its own: geteuid answers 0, and setuid, setgid and setgroups succeed
  /// without doing anything. It gains nothing by it: it runs as the world's
  /// user, held by the same rules as every program.
  static const SeccompFilter& for_services();
  /// The refused calls, for messages and documentation.
  static const std::vector<std::string>& refused();
  /// AF_INET, AF_INET6, AF_PACKET, AF_NETLINK.
  static const std::vector<int>& refused_socket_families();
  /// A filter that reports to a listener every signal sent (kill, tkill,
  /// tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal: the
  /// listener decides, see SignalGuard) and, with `count_forks`, every new
  /// process (fork, vfork, clone without CLONE_THREAD), which it lets go on:
  /// how processes are counted where no pid namespace can count them. clone3
  /// then answers ENOSYS, so that the C library falls back to clone, whose
  /// flags a filter can read.
  static const SeccompFilter& watch(bool count_forks);
  /// This filter's rules and watch(count_forks)'s in one filter: what a
  /// program that is both refused calls and watched installs (the kernel
  /// checks and compiles each filter installed: one costs less than two).
  const SeccompFilter& watching(bool count_forks) const;

  /// What a filter holds: the refused calls, the host's socket families,
  /// a service's answers, and what it reports to a listener.
  enum class Watch { nothing, signals, signals_and_forks };
  struct Rules {
    bool refuse = true;    // refused() kills the process
    bool host = false;     // socket() of refused_socket_families(): EACCES
    bool service = false;  // for_services()'s answers
    Watch watch = Watch::nothing;
  };
  /// The filter of these rules (built once, on first use; throws SyscallError
  /// if libseccomp cannot build it).
  static const SeccompFilter& with(const Rules& rules);

  /// Sets no_new_privs and installs the filter on the calling thread: only
  /// prctl and seccomp, safe after fork. Returns false (errno set) on failure.
  bool install() const noexcept;
  /// Installs it with a new listener (SECCOMP_FILTER_FLAG_NEW_LISTENER):
  /// returns the listener's fd, or -1 (errno set). Safe after fork.
  int install_with_listener() const noexcept;

  using Program = std::vector<sock_filter>;  // the BPF exported by libseccomp

 private:
  SeccompFilter(Program program, const Rules& rules) : m_program(std::move(program)), m_rules(rules) {}
  Program m_program;
  Rules m_rules;
};

}  // namespace labgrade
