// The child's side of Process::spawn (private to process.cpp): what runs
// between fork and execve, in the order the kernel needs it (the cgroup →
// the world's namespaces → its cores, a session, descriptors, working
// directory, rlimits → the sandbox user → Landlock → seccomp → execve, tried
// again while ETXTBSY lasts). Everything it
// uses is prepared before: the child shares the grader's memory (or is a
// fork of a multithreaded process), so it makes system calls only, never
// allocates, and never calls a glibc function that acts on the process's
// threads (setuid and its kin: their raw system calls instead).
#pragma once

#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <utility>
#include <vector>

#include "labgrade/sandbox_user.hpp"
#include "labgrade/seccomp_filter.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

class LandlockRuleset;

namespace detail {

/// Everything the child needs, prepared before fork.
struct ChildPlan {
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* cwd = nullptr;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1, error_fd = -1;
  std::vector<std::pair<int, rlim_t>> rlimits;
  bool kill_with_grader = true;
  std::vector<std::pair<int, int>> pass_fds;
  std::vector<int> cgroup_fds;  // cgroup.procs files to join ("0": the writer)
  const cpu_set_t* cores = nullptr;  // its affinity; null: the spawning thread's
  const SeccompFilter* seccomp = nullptr;
  const SeccompFilter* watch = nullptr;  // its listener goes back over listener_socket
  int listener_socket = -1;
  RunAs run_as;
  int exec_fd = -1;  // execveat(exec_fd, "", AT_EMPTY_PATH) instead of execve(argv[0])
  const LandlockRuleset* landlock = nullptr;
};

/// The child's error report, read by the grader: which step failed and its errno.
struct ChildError {
  int step;
  int err;
};
enum ChildStep {
  k_step_dup = 1, k_step_chdir, k_step_rlimit, k_step_exec, k_step_setns, k_step_clone, k_step_cgroup, k_step_seccomp,
  k_step_user, k_step_landlock, k_step_cores
};
/// "setns", "write(cgroup.procs, \"0\") (joining the world's cgroup)", ...
const char* step_name(int step);

/// Reports {step, errno} on `fd` and exits 127.
[[noreturn]] void child_fail(int fd, int step);

/// Hands a descriptor over a unix socket (SCM_RIGHTS): async-signal-safe.
bool send_fd(int socket, int fd);
/// Takes one, if it has come; empty otherwise.
UniqueFd receive_fd(int socket);

/// A child's signals as a new program expects them: every disposition the
/// default, then none blocked (in this order: a child sharing the grader's
/// memory must never run one of its handlers). Async-signal-safe (also
/// Boost.Process's on_exec_setup, for host commands).
void reset_signals() noexcept;

/// The program itself: its set-up, then execve.
[[noreturn]] void exec_child(const ChildPlan& plan);

/// The stacks of the children that share the grader's memory (below), made
/// before them and freed after: a child never maps or frees memory.
class ChildStacks {
 public:
  ChildStacks();  // two stacks; throws SyscallError
  ~ChildStacks();
  ChildStacks(const ChildStacks&) = delete;
  ChildStacks& operator=(const ChildStacks&) = delete;
  /// The top of stack `i` (0 or 1): stacks grow down.
  char* top(int i) const noexcept;

 private:
  char* m_base = nullptr;
};

/// Starts `body(arg)` in a child that shares this process's memory until it
/// calls execve or _exit, as posix_spawn does (CLONE_VM | CLONE_VFORK): none
/// of the grader's pages are copied, and the calling thread waits until
/// then. The child runs on `stack`, with every signal blocked until
/// reset_signals; `flags` may add CLONE_PARENT. Returns its pid, or -1 with errno.
pid_t start_sharing_memory(int (*body)(void*), void* arg, char* stack, int flags) noexcept;

/// In a world of its own user namespace (a forked child: the grader may not
/// set its children's pid namespace there): enter its namespaces, then
/// create the program with CLONE_PARENT (the grader is its parent, and can wait4 it with rusage)
/// inside the world's pid namespace, on `stack` (it shares memory);
/// reports its pid on `report_fd`.
[[noreturn]] void enter_world_and_exec(const ChildPlan& plan, int pidfd, int flags, int report_fd, char* stack);

}  // namespace detail
}  // namespace labgrade
