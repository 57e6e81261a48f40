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

// When the pump asks whether a program's world is stuck: a deadlock is
// found in about 0.3 s (two looks that agree), a program that ends sooner is
// never looked at.
constexpr auto k_deadlock_check_from = std::chrono::milliseconds(200);
constexpr auto k_deadlock_check_every = std::chrono::milliseconds(100);
// How often a world without caps of its own is measured (its files and /dev/shm objects).
constexpr auto k_limit_check_every = std::chrono::milliseconds(50);

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

void append_capped(Captured& c, const char* data, std::size_t n, std::size_t cap) {
  c.total += n;
  if (c.bytes.size() < cap) c.bytes.append(data, std::min(n, cap - c.bytes.size()));
}

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

Process::Awaiting::Awaiting(AwaitCount count) : m_count(std::move(count)) {
  if (m_count) ++*m_count;
}

Process::Awaiting::~Awaiting() {
  if (m_count) --*m_count;
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
    plan.watch = &SeccompFilter::watch(options.count_forks);
    plan.listener_socket = listener_theirs.get();
  }
  self->m_signal_guard = options.signal_guard;

  self->m_start = Clock::now();
  pid_t child = injected_fault("fork", EAGAIN) ? -1 : ::fork();
  if (child < 0) throw SyscallError("fork", fmt::format("to start \"{}\"", options.argv[0]), errno);
  if (child == 0) {
    // Into the world's cgroup first: everything it starts is counted there.
    for (int fd : plan.cgroup_fds) {
      if (::write(fd, "0", 1) != 1) child_fail(plan.error_fd, k_step_cgroup);
    }
    if (options.join_pidfd >= 0) enter_world_and_exec(plan, options.join_pidfd, options.join_flags, report.write.get());
    exec_child(plan);
  }
  errors.write.reset();
  report.write.reset();
  in.read.reset();
  out.write.reset();
  err.write.reset();

  pid_t program = child;
  if (options.join_pidfd >= 0) {
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
    else if (options.join_pidfd < 0) ::waitpid(child, nullptr, 0);
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
    if (self->m_signal_guard) self->m_tree_root = self->m_signal_guard->numbers_like_host() ? program : innermost_pid(program);
  }

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

// The pump: one poll loop per process over stdin, stdout, stderr, the wake
// pipe and the pidfd, until the process has been reaped.
void Process::pump() {
  const auto deadline = m_start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(m_time_limit));
  char buffer[65536];
  bool exited = false;
  auto next_deadlock_check = m_start + k_deadlock_check_from;
  auto next_limit_check = m_start + k_limit_check_every;
  while (!exited) {
    std::unique_lock lock(m_mutex);
    if (m_stdin && m_stdin_pending.empty() && m_stdin_close_requested) m_stdin.reset();
    bool want_write = m_stdin && !m_stdin_pending.empty();
    lock.unlock();

    pollfd fds[6];
    nfds_t count = 0;
    auto add = [&](int fd, short events) {
      fds[count] = pollfd{fd, events, 0};
      return count++;
    };
    nfds_t i_pid = add(m_pidfd.get(), POLLIN);
    nfds_t i_wake = add(m_wake_read.get(), POLLIN);
    nfds_t i_out = m_stdout ? add(m_stdout.get(), POLLIN) : ~nfds_t{0};
    nfds_t i_err = m_stderr ? add(m_stderr.get(), POLLIN) : ~nfds_t{0};
    nfds_t i_in = want_write ? add(m_stdin.get(), POLLOUT) : ~nfds_t{0};
    nfds_t i_fork = m_listener ? add(m_listener.get(), POLLIN) : ~nfds_t{0};

    int timeout_ms = -1;
    if (!m_timed_out) {
      auto until = m_deadlock_check ? std::min(deadline, next_deadlock_check) : deadline;
      if (m_limit_check) until = std::min(until, next_limit_check);
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      timeout_ms = static_cast<int>(std::max<long long>(0, left + 1));
    }
    int ready = ::poll(fds, count, timeout_ms);
    if (ready < 0 && errno != EINTR) break;

    if (!m_timed_out && Clock::now() >= deadline) {
      m_timed_out = true;
      std::lock_guard guard(m_mutex);
      kill_group_locked();
    }
    if (!m_timed_out && m_limit_check && Clock::now() >= next_limit_check) {
      next_limit_check = Clock::now() + k_limit_check_every;
      if (m_limit_check()) {  // its result names the limit (WorldLimitsProbe)
        std::lock_guard guard(m_mutex);
        kill_group_locked();
      }
    }
    if (!m_timed_out && m_deadlock_check && Clock::now() >= next_deadlock_check) {
      next_deadlock_check = Clock::now() + k_deadlock_check_every;
      pollfd ended{m_pidfd.get(), POLLIN, 0};
      // A stuck world's processes can never end: if ours has ended, what is
      // stuck is others (an orphan, say), and our result is its own exit.
      if (auto why = m_deadlock_check(); why && ::poll(&ended, 1, 0) == 0) {
        std::lock_guard guard(m_mutex);
        m_stuck = *why;
        m_timed_out = true;
        kill_group_locked();
      }
    }
    if (ready <= 0) continue;
    if (fds[i_wake].revents & POLLIN) {
      while (::read(m_wake_read.get(), buffer, sizeof buffer) > 0) {
      }
    }
    if (i_fork != ~nfds_t{0} && (fds[i_fork].revents & POLLIN)) serve_notification();
    else if (i_fork != ~nfds_t{0} && fds[i_fork].revents != 0) m_listener.reset();  // no process watched is left
    auto drain = [&](UniqueFd& fd, Captured& into) {
      for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n > 0) {
          std::lock_guard guard(m_mutex);
          append_capped(into, buffer, static_cast<std::size_t>(n), m_output_cap);
          m_changed.notify_all();
          continue;
        }
        if (n == 0) fd.reset();
        return;
      }
    };
    if (i_out != ~nfds_t{0} && fds[i_out].revents) drain(m_stdout, m_out);
    if (i_err != ~nfds_t{0} && fds[i_err].revents) drain(m_stderr, m_err);
    if (i_in != ~nfds_t{0} && fds[i_in].revents) {
      lock.lock();
      ssize_t n = ::write(m_stdin.get(), m_stdin_pending.data(), m_stdin_pending.size());
      if (n > 0) m_stdin_pending.erase(0, static_cast<std::size_t>(n));
      else if (n < 0 && errno != EAGAIN) {  // EPIPE: the program closed its stdin
        m_stdin_pending.clear();
        m_stdin.reset();
      }
      lock.unlock();
    }
    if (fds[i_pid].revents & POLLIN) {
      // Everything it wrote before exiting is in the pipes now; descendants
      // still holding them are the world's business, not this result's.
      if (m_stdout) drain(m_stdout, m_out);
      if (m_stderr) drain(m_stderr, m_err);
      if (m_stdout_file) read_stdout_file();
      // Read how it ended but leave it a zombie (WNOWAIT): its pid, and so
      // its group id, stay reserved until kill() or the destructor reaps it.
      siginfo_t info{};
      struct rusage usage {};
      std::lock_guard guard(m_mutex);
      if (::syscall(SYS_waitid, P_PIDFD, m_pidfd.get(), &info, WEXITED | WNOWAIT, &usage) == 0) {
        finish_locked(info, usage);
        exited = true;
      } else if (errno == ECHILD) {  // reaped by someone else: it has ended, how is lost
        info.si_code = CLD_KILLED;
        info.si_status = SIGKILL;
        finish_locked(info, usage);
        exited = true;
      }
    }
  }
  {
    std::lock_guard guard(m_mutex);
    if (!m_result) {  // poll failed: should never happen; end the program rather than hang
      ::syscall(SYS_pidfd_send_signal, m_pidfd.get(), SIGKILL, nullptr, 0);
      siginfo_t info{};
      struct rusage usage {};
      ::syscall(SYS_waitid, P_PIDFD, m_pidfd.get(), &info, WEXITED | WNOWAIT, &usage);
      finish_locked(info, usage);
    }
    m_stdin.reset();
    m_stdout.reset();
    m_stderr.reset();
  }
  serve_descendants();
}

// Its descendants may outlive it (a daemon, an orphan): their signals and
// forks still wait for an answer, until every process under the filter has
// gone (the listener hangs up) or the handle lets go.
void Process::serve_descendants() {
  char buffer[64];
  while (m_listener && !m_stop.load()) {
    pollfd fds[2] = {{m_listener.get(), POLLIN, 0}, {m_wake_read.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents & POLLIN) {
      while (::read(m_wake_read.get(), buffer, sizeof buffer) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) serve_notification();
    else if (fds[0].revents != 0) m_listener.reset();
  }
}

// A process of its tree is about to fork (counted, and let go on), or to
// send a signal (let go on only within its own tree: see SignalGuard).
void Process::serve_notification() {
  seccomp_notif request{};  // must be zeroed before each receive
  if (::ioctl(m_listener.get(), SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) {
    if (errno != EINTR && errno != ENOENT) m_listener.reset();  // every watched process has gone
    return;
  }
  seccomp_notif_resp response{};
  response.id = request.id;
  response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  const bool is_fork = request.data.nr == SYS_fork || request.data.nr == SYS_vfork || request.data.nr == SYS_clone;
  if (is_fork) {
    ++m_forks;
  } else if (m_signal_guard && request.data.nr == SYS_pidfd_send_signal) {
    // Never let go on: the guard sends it itself, through a copy of the descriptor it judged.
    auto answer = SignalGuard::send_through_pidfd(request, m_listener.get(), m_pid);
    response.flags = 0;
    response.error = answer.result;
    if (answer.refused) {
      std::lock_guard guard(m_mutex);
      if (m_refused_signal.empty()) m_refused_signal = *answer.refused;
    }
  } else if (m_signal_guard) {
    if (auto why = m_signal_guard->refusal(request.data, static_cast<pid_t>(request.pid), m_tree_root)) {
      // Still the same call of a live process (its pid was not recycled meanwhile)?
      if (::ioctl(m_listener.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &request.id) != 0) return;
      response.flags = 0;
      response.error = -EPERM;
      std::lock_guard guard(m_mutex);
      if (m_refused_signal.empty()) m_refused_signal = *why;
    }
  }
  ::ioctl(m_listener.get(), SECCOMP_IOCTL_NOTIF_SEND, &response);  // ENOENT: it died meanwhile
}

void Process::read_stdout_file() {
  // Read straight into the capture, sized once (megabytes: no regrowing).
  struct stat st {};
  std::size_t size = ::fstat(m_stdout_file.get(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
  std::lock_guard guard(m_mutex);
  m_out.total += size;
  const std::size_t keep = std::min(size, m_output_cap - std::min(m_output_cap, m_out.bytes.size()));
  const std::size_t start = m_out.bytes.size();
  m_out.bytes.resize(start + keep);
  std::size_t done = 0;
  while (done < keep) {
    ssize_t n = ::pread(m_stdout_file.get(), m_out.bytes.data() + start + done, keep - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  m_out.bytes.resize(start + done);
  m_stdout_file.reset();
}

void Process::finish_locked(const siginfo_t& info, const ::rusage& usage) {
  ProcessResult r;
  r.time_limit = m_time_limit;
  r.wall_seconds = std::chrono::duration<double>(Clock::now() - m_start).count();
  r.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  r.max_rss_kb = usage.ru_maxrss;
  r.seccomp_refused = m_seccomp;
  if (info.si_code == CLD_EXITED) {
    r.ending = ProcessResult::Ending::exited;
    r.exit_status = info.si_status;
  } else {
    r.ending = ProcessResult::Ending::signaled;
    r.signal = info.si_status;
  }
  if (m_timed_out) r.ending = ProcessResult::Ending::timed_out;
  r.stuck = m_stuck.why;
  r.stuck_advice = m_stuck.advice;
  m_result = r;
  m_changed.notify_all();
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
