#include "labgrade/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/fault_injection.hpp"
#include "labgrade/proc_files.hpp"
#include "process_child.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace labgrade {

namespace {

using namespace detail;  // the child's side (process_child.hpp)

using Clock = std::chrono::steady_clock;

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

std::vector<std::pair<int, rlim_t>> rlimits_of(const ResourceLimits& l) {
  std::vector<std::pair<int, rlim_t>> out;
  constexpr rlim_t k_mb = 1024 * 1024;
  if (l.cpu_seconds > 0) out.emplace_back(RLIMIT_CPU, static_cast<rlim_t>(l.cpu_seconds));
  if (l.address_space_mb > 0) out.emplace_back(RLIMIT_AS, static_cast<rlim_t>(l.address_space_mb) * k_mb);
  if (l.file_size_mb > 0) out.emplace_back(RLIMIT_FSIZE, static_cast<rlim_t>(l.file_size_mb) * k_mb);
  if (l.open_files > 0) out.emplace_back(RLIMIT_NOFILE, static_cast<rlim_t>(l.open_files));
  if (l.processes > 0) out.emplace_back(RLIMIT_NPROC, static_cast<rlim_t>(l.processes));
  out.emplace_back(RLIMIT_CORE, 0);
  return out;
}

// This thread's children are born in a world's pid namespace while it
// lives (setns(CLONE_NEWPID) changes only the calling thread's namespace for
// its next children, never its own): the program is then the grader's own
// child, with no process in between to enter the namespace and clone it.
// Taken around one clone; at its end, this thread's children are the host's again.
class ChildrenBornInWorld {
 public:
  explicit ChildrenBornInWorld(int world_pidfd) : m_own(own_namespace()) {
    if (::setns(world_pidfd, CLONE_NEWPID) != 0)
      throw SyscallError("setns", "the world's init (pidfd), CLONE_NEWPID (for this thread's next child)", errno);
  }
  ~ChildrenBornInWorld() {
    // Our own pid namespace is the one this thread's children are born in again.
    if (::setns(m_own, CLONE_NEWPID) != 0) {
      // Every later child and thread of this thread would be born in the world: nothing can go on.
      std::fprintf(stderr, "labgrade: setns(/proc/self/ns/pid, CLONE_NEWPID) failed (%s): aborting\n", std::strerror(errno));
      std::abort();
    }
  }
  ChildrenBornInWorld(const ChildrenBornInWorld&) = delete;
  ChildrenBornInWorld& operator=(const ChildrenBornInWorld&) = delete;

 private:
  // Opened once, by the first constructor, before its setns: a failure to
  // open it is an error while this thread's children are still the host's,
  // never after (where nothing could go on).
  static int own_namespace() {
    static const int own = ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own < 0) throw SyscallError("open", "\"/proc/self/ns/pid\", O_RDONLY (this process's pid namespace)", errno);
    return own;
  }
  int m_own;
};

}  // namespace

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

std::string ProcessResult::describe() const {
  switch (ending) {
    case Ending::exited:
      return fmt::format("exited with status {}", exit_status);
    case Ending::signaled: {
      const char* what = ::sigdescr_np(signal);
      std::string text = fmt::format("killed by {}", signal_name(signal));
      if (what != nullptr) text += fmt::format(" ({})", what);
      if (signal == SIGXCPU) text += ": CPU time limit exceeded";
      if (signal == SIGXFSZ) text += ": file size limit exceeded";
      if (signal == SIGSYS && seccomp_refused)
        text += ": it made a system call that lab programs may not make (ptrace, mount, bpf, keyctl, ...)";
      return text;
    }
    case Ending::timed_out:
      if (!stuck.empty()) {
        return fmt::format("was stuck after {:.1f} s, and would never have ended ({})", wall_seconds, stuck);
      }
      return fmt::format("timed out after {:g} s", time_limit);
  }
  return "ended";
}

Process::Awaiting::Awaiting(AwaitCount world, std::shared_ptr<std::atomic<int>> own)
    : m_world(std::move(world)), m_own(std::move(own)) {
  ++*m_own;
  if (m_world) ++*m_world;
}

Process::Awaiting::~Awaiting() {
  if (m_world) --*m_world;
  --*m_own;
}

std::shared_ptr<Process> Process::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw GraderError("Process::spawn: empty argv");
  std::shared_ptr<Process> self(new Process());
  self->m_name = std::filesystem::path(options.argv[0]).filename().string();
  self->m_output_cap = options.output_cap;
  self->m_time_limit = options.time_limit;
  self->m_deadlock_check = options.deadlock_check;
  self->m_awaits = options.awaits;
  self->m_limit_check = options.limit_check;
  self->m_seccomp = options.seccomp != nullptr;

  // Pipes: the child's ends are plain fds (dup2'd to 0/1/2), ours are O_CLOEXEC.
  Pipe in = Pipe::create(), out = Pipe::create(), err = Pipe::create(), errors = Pipe::create();
  Pipe wake = Pipe::create();
  Pipe report = Pipe::create();
  // stdin: a pipe the pump feeds (interactive), the sealed input file (no
  // pump, no pipe-sized steps: the program reads as from a file), or /dev/null.
  UniqueFd fixed_stdin;
  if (options.stdin_file && !options.interactive_stdin) {
    fixed_stdin = options.stdin_file->open_for_reading();
  } else if (!options.interactive_stdin) {
    fixed_stdin.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fixed_stdin) throw SyscallError("open", "\"/dev/null\", O_RDONLY", errno);
  }

  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = options.env;
  std::string cwd = options.cwd.string();
  ChildPlan plan;
  plan.argv = c_strings(argv);
  if (options.env.empty()) {
    for (char** e = environ; *e != nullptr; ++e) plan.envp.push_back(*e);
    plan.envp.push_back(nullptr);
  } else {
    plan.envp = c_strings(env);
  }
  plan.cwd = cwd.empty() ? nullptr : cwd.c_str();
  plan.stdin_fd = fixed_stdin ? fixed_stdin.get() : in.read.get();
  // stdout: a pipe drained as it comes, or (for bulk output) a memfd read
  // once the program has ended, so that no reader competes with it for a CPU.
  UniqueFd stdout_file;
  if (options.stdout_to_file) {
    stdout_file.reset(::memfd_create("labgrade-stdout", MFD_CLOEXEC));
    if (!stdout_file) throw SyscallError("memfd_create", "\"labgrade-stdout\", MFD_CLOEXEC", errno);
  }
  plan.stdout_fd = stdout_file ? stdout_file.get() : out.write.get();
  plan.stderr_fd = err.write.get();
  plan.error_fd = errors.write.get();
  plan.rlimits = rlimits_of(options.limits);
  plan.kill_with_grader = options.kill_with_grader;
  plan.pass_fds = options.pass_fds;
  plan.cgroup_fds = options.cgroup_join_fds;
  cpu_set_t cores;
  CPU_ZERO(&cores);
  for (int c : options.cores) CPU_SET(c, &cores);
  if (!options.cores.empty()) plan.cores = &cores;
  plan.seccomp = options.seccomp;
  plan.run_as = options.run_as;
  plan.landlock = options.landlock;
  UniqueFd exec_fd;
  if (options.exec_by_descriptor) {
    exec_fd.reset(::open(options.argv[0].c_str(), O_PATH | O_CLOEXEC));
    if (!exec_fd) throw SyscallError("open", fmt::format("\"{}\", O_PATH (the program to run)", options.argv[0]), errno);
    plan.exec_fd = exec_fd.get();
  }
  UniqueFd listener_ours, listener_theirs;
  if (options.count_forks || options.signal_guard) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0)
      throw SyscallError("socketpair", "AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC", errno);
    listener_ours.reset(pair[0]);
    listener_theirs.reset(pair[1]);
    // One filter for both: the refused calls and the watched ones.
    plan.watch = options.seccomp != nullptr ? &options.seccomp->watching(options.count_forks)
                                            : &SeccompFilter::watch(options.count_forks);
    plan.seccomp = nullptr;
    plan.listener_socket = listener_theirs.get();
  }
  self->m_signal_guard = options.signal_guard;

  // The child shares our memory until its execve (no copy of the grader's
  // pages, as posix_spawn). Into a world: as root, it is born in the world's
  // pid namespace and enters the others itself; in a user namespace (setns
  // refuses a shared memory, and the grader may not enter the pid namespace
  // from outside it) a forked child enters them all and clones the program.
  const bool into_world = options.join_pidfd >= 0;
  const bool own_memory = into_world && (options.join_flags & CLONE_NEWUSER) != 0;
  struct Start {
    const ChildPlan& plan;
    const SpawnOptions& options;
    bool born_in_world;
    int report_fd;
    char* program_stack;
    pid_t* pid_in_world;  // written by a child born in the world (it shares our memory)
  };
  static thread_local ChildStacks stacks;  // this thread's, made once: no map, fault and unmap a spawn
  pid_t pid_in_world = -1;
  Start start{plan, options, into_world && !own_memory, report.write.get(), stacks.top(1), &pid_in_world};
  auto child_body = [](void* p) -> int {
    const Start& s = *static_cast<const Start*>(p);
    // Into the world's cgroup first: everything it starts is counted there.
    for (int fd : s.plan.cgroup_fds) {
      if (::write(fd, "0", 1) != 1) child_fail(s.plan.error_fd, k_step_cgroup);
    }
    if (s.born_in_world) {
      *s.pid_in_world = static_cast<pid_t>(::syscall(SYS_getpid));  // as the world numbers it
      if (::setns(s.options.join_pidfd, s.options.join_flags & ~CLONE_NEWPID) != 0) child_fail(s.plan.error_fd, k_step_setns);
    } else if (s.options.join_pidfd >= 0) {
      enter_world_and_exec(s.plan, s.options.join_pidfd, s.options.join_flags, s.report_fd, s.program_stack);
    }
    exec_child(s.plan);
  };
  self->m_start = Clock::now();
  pid_t child = -1;
  if (injected_fault("fork", EAGAIN)) {
    child = -1;
  } else if (own_memory) {
    child = ::fork();
    if (child == 0) child_body(&start);
  } else if (start.born_in_world) {
    int clone_errno = 0;
    {
      ChildrenBornInWorld born(options.join_pidfd);
      child = start_sharing_memory(child_body, &start, stacks.top(0), 0);
      clone_errno = errno;
    }
    errno = clone_errno;
  } else {
    child = start_sharing_memory(child_body, &start, stacks.top(0), 0);
  }
  if (child < 0) {
    throw SyscallError(own_memory ? "fork" : "clone",
                       fmt::format("{}to start \"{}\"", own_memory ? "" : "CLONE_VM | CLONE_VFORK, ", options.argv[0]), errno);
  }
  errors.write.reset();
  report.write.reset();
  in.read.reset();
  out.write.reset();
  err.write.reset();

  pid_t program = child;
  if (own_memory) {
    pid_t reported = -1;
    ssize_t n = ::read(report.read.get(), &reported, sizeof reported);
    int status = 0;
    ::waitpid(child, &status, 0);
    program = n == static_cast<ssize_t>(sizeof reported) ? reported : -1;
  }
  ChildError failure{};
  ssize_t n = ::read(errors.read.get(), &failure, sizeof failure);
  if (n == static_cast<ssize_t>(sizeof failure) || program < 0) {
    if (program > 0) ::waitpid(program, nullptr, 0);
    else if (!own_memory) ::waitpid(child, nullptr, 0);
    throw SyscallError(step_name(failure.step), fmt::format("\"{}\"", options.argv[0]), failure.err);
  }
  self->m_pid = program;
  if (plan.watch != nullptr) {  // sent before its execve, so here by now
    self->m_listener = receive_fd(listener_ours.get());
    if (!self->m_listener) {
      ::kill(program, SIGKILL);
      ::waitpid(program, nullptr, 0);
      throw GraderError(fmt::format("{}: the seccomp listener watching its signals and processes did not arrive", self->m_name));
    }
    if (options.count_forks) self->m_forks = 0;
  }
  // Its pid as its world numbers it: a child born there said it; read from /proc otherwise.
  self->m_pid_inside = start.born_in_world ? pid_in_world : into_world ? innermost_pid(program) : program;
  if (self->m_signal_guard) self->m_tree_root = self->m_signal_guard->numbers_like_host() ? program : self->m_pid_inside;

  self->m_pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, program, 0)));
  if (!self->m_pidfd) {
    int e = errno;
    ::kill(program, SIGKILL);
    ::waitpid(program, nullptr, 0);
    throw SyscallError("pidfd_open", std::to_string(program), e);
  }
  if (!fixed_stdin) self->m_stdin = std::move(in.write);
  if (options.stdin_file && options.interactive_stdin) self->m_stdin_pending = std::string(options.stdin_file->bytes());
  if (stdout_file) self->m_stdout_file = std::move(stdout_file);
  else self->m_stdout = std::move(out.read);
  self->m_stderr = std::move(err.read);
  self->m_wake_read = std::move(wake.read);
  self->m_wake_write = std::move(wake.write);
  for (int fd : {self->m_stdin.get(), self->m_stdout.get(), self->m_stderr.get(), self->m_wake_read.get()}) {
    if (fd >= 0) set_nonblocking(fd);
  }
  self->m_pump = std::thread([raw = self.get()] { raw->pump(); });
  return self;
}

Process::~Process() {
  if (m_pump.joinable()) {
    kill();
    m_stop.store(true);
    ssize_t ignored = ::write(m_wake_write.get(), "s", 1);
    (void)ignored;
    m_pump.join();
  }
}

const ProcessResult& Process::wait() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_result.has_value(); });
  return *m_result;
}

bool Process::wait_for(std::chrono::duration<double> timeout) {
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, timeout, [&] { return m_result.has_value(); });
}

bool Process::finished() const {
  std::lock_guard guard(m_mutex);
  return m_result.has_value();
}

void Process::signal(int sig) {
  std::lock_guard guard(m_mutex);
  if (!m_result) ::syscall(SYS_pidfd_send_signal, m_pidfd.get(), sig, nullptr, 0);
}

// The program is its own session and group leader (setsid), and not reaped
// yet (at most a zombie), so its group id cannot have been recycled: what it
// left running in its group goes too.
void Process::kill_group_locked() {
  if (m_reaped) return;
  ::kill(-m_pid, SIGKILL);  // kills stopped processes too; the SIGCONT after
  ::kill(-m_pid, SIGCONT);  // only wakes what SIGKILL could not reach yet
  if (!m_result) ::syscall(SYS_pidfd_send_signal, m_pidfd.get(), SIGKILL, nullptr, 0);
}

void Process::kill() {
  {
    std::lock_guard guard(m_mutex);
    kill_group_locked();
  }
  wait();
  std::lock_guard guard(m_mutex);
  if (!m_reaped) {
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(m_pidfd.get()), &info, WEXITED);
    m_reaped = true;
  }
}

void Process::write_stdin(const std::string& bytes) {
  {
    std::lock_guard guard(m_mutex);
    m_stdin_pending += bytes;
  }
  ssize_t ignored = ::write(m_wake_write.get(), "w", 1);
  (void)ignored;
}

void Process::close_stdin() {
  {
    std::lock_guard guard(m_mutex);
    m_stdin_close_requested = true;
  }
  ssize_t ignored = ::write(m_wake_write.get(), "c", 1);
  (void)ignored;
}

std::string Process::refused_signal() const {
  std::lock_guard guard(m_mutex);
  return m_refused_signal;
}

std::string Process::stdout_text() const {
  std::lock_guard guard(m_mutex);
  return m_out.bytes;
}

std::string Process::stderr_text() const {
  std::lock_guard guard(m_mutex);
  return m_err.bytes;
}

const std::string& Process::final_stdout() const {
  std::lock_guard guard(m_mutex);
  if (!m_result) throw GraderError(fmt::format("Process::final_stdout: {} has not ended yet", m_name));
  return m_out.bytes;
}

Captured Process::stdout_captured() const {
  std::lock_guard guard(m_mutex);
  return m_out;
}

Captured Process::stderr_captured() const {
  std::lock_guard guard(m_mutex);
  return m_err;
}

bool Process::wait_for_stdout(const std::function<bool(const std::string&)>& ready,
                              std::chrono::duration<double> timeout) {
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, timeout, [&] { return ready(m_out.bytes) || m_result.has_value(); }) &&
         ready(m_out.bytes);
}

Pipe Pipe::create() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw SyscallError("pipe2", "O_CLOEXEC", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace labgrade
