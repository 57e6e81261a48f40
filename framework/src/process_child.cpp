#include "process_child.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "labgrade/error.hpp"
#include "labgrade/landlock.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace labgrade::detail {

const char* step_name(int step) {
  switch (step) {
    case k_step_dup: return "dup2";
    case k_step_chdir: return "chdir";
    case k_step_rlimit: return "setrlimit";
    case k_step_exec: return "execve";
    case k_step_setns: return "setns";
    case k_step_clone: return "clone";
    case k_step_seccomp: return "seccomp(SECCOMP_SET_MODE_FILTER)";
    case k_step_cgroup: return "write(cgroup.procs, \"0\") (joining the world's cgroup)";
    case k_step_user: return "setresuid (becoming the sandbox user)";
    case k_step_landlock: return "landlock_restrict_self";
    case k_step_cores: return "sched_setaffinity (the cores of its world)";
    default: return "child set-up";
  }
}

[[noreturn]] void child_fail(int fd, int step) {
  ChildError e{step, errno};
  ssize_t ignored = ::write(fd, &e, sizeof e);
  (void)ignored;
  ::_exit(127);
}

namespace {

// One byte carrying one descriptor (SCM_RIGHTS), on the stack: no allocation.
struct FdMessage {
  char byte = 'f';
  iovec data{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};
  FdMessage() {
    header.msg_iov = &data;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;
};


}  // namespace

bool send_fd(int socket, int fd) {
  FdMessage m;
  cmsghdr* header = CMSG_FIRSTHDR(&m.header);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
  return ::sendmsg(socket, &m.header, MSG_NOSIGNAL) == 1;
}

UniqueFd receive_fd(int socket) {
  FdMessage m;
  if (::recvmsg(socket, &m.header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1) return UniqueFd{};
  cmsghdr* header = CMSG_FIRSTHDR(&m.header);
  if (header == nullptr || header->cmsg_type != SCM_RIGHTS) return UniqueFd{};
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
  return UniqueFd{fd};
}

// Closes every descriptor inherited from the grader (a check with many
// programs alive holds hundreds) but stdin, stdout, stderr, those handed
// over (their grader's numbers, copied later) and those the child still
// needs until execve: below its RLIMIT_NOFILE,
// a descriptor it opens now (the seccomp listener) must find a free number.
// No allocation: we are between fork and exec.
void close_all_but_needed(const ChildPlan& plan) {
  constexpr std::size_t k_most = 40;
  if (plan.pass_fds.size() + 4 > k_most) return;  // too many to list: left open until execve
  int keep[k_most];
  std::size_t n = 0;
  auto add = [&](int fd) {
    if (fd > 2) keep[n++] = fd;
  };
  add(plan.error_fd);
  add(plan.listener_socket);
  add(plan.exec_fd);
  if (plan.landlock != nullptr) add(plan.landlock->fd());
  for (const auto& [ours, theirs] : plan.pass_fds) add(ours);
  for (std::size_t i = 1; i < n; ++i) {  // insertion sort
    for (std::size_t j = i; j > 0 && keep[j - 1] > keep[j]; --j) std::swap(keep[j - 1], keep[j]);
  }
  unsigned from = 3;
  for (std::size_t i = 0; i < n; ++i) {
    if (static_cast<unsigned>(keep[i]) > from) ::syscall(SYS_close_range, from, static_cast<unsigned>(keep[i]) - 1, 0U);
    from = std::max(from, static_cast<unsigned>(keep[i]) + 1);
  }
  ::syscall(SYS_close_range, from, ~0U, 0U);
}

void reset_signals() noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

namespace {

constexpr std::size_t k_child_stack = 256 * 1024;

}  // namespace

ChildStacks::ChildStacks() {
  void* base = ::mmap(nullptr, 2 * k_child_stack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) throw SyscallError("mmap", "2 child stacks of 256 KiB", errno);
  m_base = static_cast<char*>(base);
}

ChildStacks::~ChildStacks() { ::munmap(m_base, 2 * k_child_stack); }

char* ChildStacks::top(int i) const noexcept { return m_base + (i + 1) * k_child_stack; }

pid_t start_sharing_memory(int (*body)(void*), void* arg, char* stack, int flags) noexcept {
  // Blocked from before the child exists until its reset_signals: a signal
  // must not run one of the grader's handlers on the grader's memory.
  sigset_t all, before;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = ::clone(body, stack, CLONE_VM | CLONE_VFORK | flags | SIGCHLD, arg);
  const int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  errno = err;
  return pid;
}

[[noreturn]] void exec_child(const ChildPlan& plan) {
  reset_signals();
  if (plan.cores != nullptr && ::sched_setaffinity(0, sizeof *plan.cores, plan.cores) != 0) {
    child_fail(plan.error_fd, k_step_cores);
  }
  ::setsid();  // its own session: no controlling terminal, one group to kill
  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 || ::dup2(plan.stderr_fd, 2) < 0) {
    child_fail(plan.error_fd, k_step_dup);
  }
  // As the grader still (the working directory may be below folders that the
  // sandbox user cannot search: it needs only the folder itself).
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) child_fail(plan.error_fd, k_step_chdir);
  ::umask(022);
  close_all_but_needed(plan);
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  // Before the rlimits: RLIMIT_NOFILE may be below the numbers handed over.
  for (const auto& [ours, theirs] : plan.pass_fds) {  // dup2 clears FD_CLOEXEC on the copy
    if (::dup2(ours, theirs) < 0) child_fail(plan.error_fd, k_step_dup);
  }
  for (const auto& [resource, value] : plan.rlimits) {
    struct rlimit limit {value, value};
    if (::setrlimit(resource, &limit) != 0) child_fail(plan.error_fd, k_step_rlimit);
  }
  if (plan.run_as.switches()) {
    // The system calls themselves, never glibc's wrappers: in a multithreaded
    // grader those signal every thread in glibc's list to change its ids too
    // (setxid), and a child sharing the grader's memory sees the grader's list.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, plan.run_as.gid, plan.run_as.gid, plan.run_as.gid) != 0 ||
        ::syscall(SYS_setresuid, plan.run_as.uid, plan.run_as.uid, plan.run_as.uid) != 0) {
      child_fail(plan.error_fd, k_step_user);
    }
  }
  // After the change of user, which clears it.
  if (plan.kill_with_grader) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (plan.landlock != nullptr && !plan.landlock->restrict_self()) child_fail(plan.error_fd, k_step_landlock);
  if (plan.seccomp != nullptr && !plan.seccomp->install()) child_fail(plan.error_fd, k_step_seccomp);
  if (plan.watch != nullptr) {
    int listener = plan.watch->install_with_listener();
    if (listener < 0 || !send_fd(plan.listener_socket, listener)) child_fail(plan.error_fd, k_step_seccomp);
    ::close(listener);
  }
  // A program just built may for a moment still be open for writing in a
  // child that another thread of the grader started, which inherited the
  // descriptor and has not reached its own execve: ETXTBSY until it does
  // (a batch's students are built and run at once). Tried again for 100 ms.
  for (int tries = 0;; ++tries) {
    if (plan.exec_fd >= 0) {
      ::syscall(SYS_execveat, plan.exec_fd, "", plan.argv.data(), plan.envp.data(), AT_EMPTY_PATH);
    } else {
      ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
    }
    if (errno != ETXTBSY || tries == 100) break;
    struct timespec pause {0, 1'000'000};
    ::nanosleep(&pause, nullptr);
  }
  child_fail(plan.error_fd, k_step_exec);
}

// In a world of its own user namespace: enter its namespaces, then create the program with
// CLONE_PARENT so that the grader is its parent (it can wait4 it, with rusage)
// while it lives in the world's pid namespace. Reports the program's pid.
[[noreturn]] void enter_world_and_exec(const ChildPlan& plan, int pidfd, int flags, int report_fd, char* stack) {
  if (::setns(pidfd, flags) != 0) child_fail(plan.error_fd, k_step_setns);
  auto program = [](void* p) -> int { exec_child(*static_cast<const ChildPlan*>(p)); };
  const pid_t pid = start_sharing_memory(program, const_cast<ChildPlan*>(&plan), stack, CLONE_PARENT);
  if (pid < 0) child_fail(plan.error_fd, k_step_clone);
  pid_t reported = pid;
  ssize_t ignored = ::write(report_fd, &reported, sizeof reported);
  (void)ignored;
  ::_exit(0);
}


}  // namespace labgrade::detail
