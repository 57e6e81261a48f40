// The only unit that includes Boost.Process (about 4 s of compile each).
// Boost.Process 1.74 starts the program (fork, pipes, execve, exec errors
// through its pipe); the rest is ours, where 1.74 falls short
// (host_command_test.cpp shows each case):
// - its wait_for sleeps on a SIGCHLD that is gone when the child ended
//   first, and its async exit installs a process-wide SIGCHLD handler
//   without SA_RESTART: the end is watched through a pidfd, in Asio;
// - exit_code() gives a signal's number as if it were an exit status: the
//   ending is read with waitid (CLD_EXITED / CLD_KILLED);
// - terminate() kills the child only, and forgets its status: the
//   program is a session of its own, and its group is killed;
// - a failed start throws and leaves a zombie, and start_dir ignores a
//   failed chdir: our handler reaps the one and does the other itself;
// - its pipes are not O_CLOEXEC and its children inherit every descriptor:
//   ours are marked, and the child closes all but 0-2 at exec.
#include "labgrade/host_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/unique_fd.hpp"
#include "process_child.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace labgrade {

namespace bp = boost::process;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// A failure of the child between fork and execve travels through Boost's
// error pipe as one int: errno, plus the step that failed.
constexpr int k_step_fchdir = 1 << 16;
constexpr int k_errno_mask = k_step_fchdir - 1;

void append_capped(Captured& c, const char* data, std::size_t n, std::size_t cap) {
  c.total += n;
  if (c.bytes.size() < cap) c.bytes.append(data, std::min(n, cap - c.bytes.size()));
}

void mark_cloexec(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// What Process's child does before execve (process_child.cpp) that a host
// command needs, as a Boost.Process handler: run in the child after fork
// (on_exec_setup), and in the grader when the start failed (on_error).
struct HostSetup : bp::extend::handler {
  int cwd_fd = -1;
  char** envp = nullptr;  // the whole environment; null: the grader's
  pid_t grader = ::getpid();
  pid_t* forked = nullptr;  // set when the start failed: the child's pid, -1 when fork itself failed

  template <class Executor>
  void on_setup(Executor& exec) const {
    if (envp != nullptr) exec.env = envp;
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    detail::reset_signals();
    ::setsid();  // its own session: no controlling terminal, one group to kill
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != grader) ::_exit(127);  // the grader died before the prctl
    if (cwd_fd >= 0 && ::fchdir(cwd_fd) != 0) {
      exec.set_error(std::error_code(errno | k_step_fchdir, std::system_category()), "fchdir");
      ::_exit(127);
    }
    ::umask(022);
    struct rlimit no_core {0, 0};  // as Process's programs: a crash leaves no core file behind
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);  // Boost's error pipe is CLOEXEC already
  }

  // Boost 1.74 returns (or throws) without reaping a child whose execve failed.
  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    if (exec.pid > 0) ::waitpid(exec.pid, nullptr, 0);
    if (forked != nullptr) *forked = exec.pid;
  }
};

std::string path_of(const HostCommand& command) {
  if (command.env) {
    for (const auto& e : *command.env) {
      if (e.rfind("PATH=", 0) == 0) return e.substr(5);
    }
    return "/usr/bin:/bin";
  }
  const char* path = std::getenv("PATH");
  return path != nullptr ? path : "/usr/bin:/bin";
}

}  // namespace

std::string HostCommandResult::describe() const {
  ProcessResult r;  // the same words as a program's in a world
  r.ending = ending;
  r.exit_status = exit_status;
  r.signal = signal;
  r.time_limit = time_limit;
  r.wall_seconds = wall_seconds;
  return r.describe();
}

std::string resolve_host_program(const HostCommand& command) {
  if (command.argv.empty()) return "";
  const std::string& program = command.argv[0];
  if (program.find('/') != std::string::npos) return program;
  std::stringstream dirs(path_of(command));
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return "";
}

// One started command: Boost.Process started it; one thread runs an Asio
// loop that waits for its pipes to be readable and reads them itself (no
// bytes ever wait in a completion handler when the end comes), watches the
// pidfd for its end and kills the group at the time limit. The result is
// read with WNOWAIT: the pid, and so the group id, stay reserved until
// kill() (or the destructor) reaps it.
struct HostChild::State {
  std::string name;
  pid_t pid = -1;
  UniqueFd pidfd;
  double time_limit = 0;
  std::size_t cap = 0;
  Clock::time_point start;

  asio::io_context io;
  asio::posix::stream_descriptor out{io}, err{io};  // the read ends of its stdout and stderr, non-blocking
  asio::posix::stream_descriptor ended{io};         // a copy of the pidfd
  asio::steady_timer deadline{io};
  char buffer[65536];
  bool timed_out = false;  // the loop's thread only
  std::thread loop;

  mutable std::mutex mutex;
  std::condition_variable changed;
  Captured out_bytes, err_bytes;
  std::optional<HostCommandResult> result;
  bool reaped = false;

  void drain_when_readable(asio::posix::stream_descriptor& pipe, Captured& into);
  bool drain(asio::posix::stream_descriptor& pipe, Captured& into);
  void kill_group_locked();
  void on_end();
  void run();
};

// Reads what is there; false at the end of the stream.
bool HostChild::State::drain(asio::posix::stream_descriptor& pipe, Captured& into) {
  for (;;) {
    const ssize_t n = ::read(pipe.native_handle(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    std::lock_guard guard(mutex);
    append_capped(into, buffer, static_cast<std::size_t>(n), cap);
  }
}

void HostChild::State::drain_when_readable(asio::posix::stream_descriptor& pipe, Captured& into) {
  pipe.async_wait(asio::posix::descriptor_base::wait_read, [this, &pipe, &into](const boost::system::error_code& ec) {
    if (!ec && drain(pipe, into)) drain_when_readable(pipe, into);  // else: its end, or closed at the end
  });
}

// Its own session's leader, not reaped yet: its group id cannot have been recycled.
void HostChild::State::kill_group_locked() {
  if (reaped) return;
  ::kill(-pid, SIGKILL);
  ::kill(-pid, SIGCONT);  // wakes only what SIGKILL could not reach yet
  if (!result) ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
}

// It has ended: what it wrote is in the pipes by now (descendants still
// holding them are not its result), and how it ended is read, not reaped.
void HostChild::State::on_end() {
  drain(out, out_bytes);
  drain(err, err_bytes);
  siginfo_t info{};
  const bool known = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info, WEXITED | WNOWAIT) == 0;
  HostCommandResult r;
  r.time_limit = time_limit;
  r.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (known && info.si_code == CLD_EXITED) {
    r.exit_status = info.si_status;
  } else {  // killed or dumped; or reaped by someone else (how is lost): as killed
    r.ending = HostCommandResult::Ending::signaled;
    r.signal = known ? info.si_status : SIGKILL;
  }
  if (timed_out) r.ending = HostCommandResult::Ending::timed_out;
  {
    std::lock_guard guard(mutex);
    r.out = out_bytes;
    r.err = err_bytes;
    result = std::move(r);
  }
  changed.notify_all();
  boost::system::error_code ignored;
  deadline.cancel();
  out.close(ignored);
  err.close(ignored);
  ended.close(ignored);
}

void HostChild::State::run() {
  drain_when_readable(out, out_bytes);
  drain_when_readable(err, err_bytes);
  ended.async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) {  // never: the pidfd is ours; end it rather than wait on
      std::lock_guard guard(mutex);
      kill_group_locked();
    }
    on_end();
  });
  const double limit = std::clamp(time_limit, 0.0, 1e7);
  deadline.expires_at(start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit)));
  deadline.async_wait([this](const boost::system::error_code& ec) {
    std::lock_guard guard(mutex);
    if (ec || result) return;  // it ended first
    timed_out = true;
    kill_group_locked();
  });
  try {
    io.run();
  } catch (const std::exception&) {
    // Never: the handlers do not throw. Still, never leave a waiter hanging.
  }
  std::lock_guard guard(mutex);
  if (!result) {
    kill_group_locked();
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info, WEXITED | WNOWAIT);
    result = HostCommandResult{HostCommandResult::Ending::signaled, 0, SIGKILL, time_limit, 0, out_bytes, err_bytes};
    changed.notify_all();
  }
}

std::unique_ptr<HostChild> HostChild::start(const HostCommand& command) {
  if (command.argv.empty()) throw GraderError("run_on_host: empty argv");
  const std::string& name = command.argv[0];
  const std::string program = resolve_host_program(command);
  if (program.empty()) {
    throw SyscallError("execve", fmt::format("\"{}\", not found in PATH {}", name, path_of(command)), ENOENT);
  }
  auto state = std::make_unique<State>();
  state->name = name;
  state->time_limit = command.time_limit;
  state->cap = command.output_cap;
  bp::async_pipe out(state->io), err(state->io);
  for (const auto* pipe : {&out, &err}) {
    mark_cloexec(pipe->native_source());
    mark_cloexec(pipe->native_sink());
  }
  HostSetup setup;
  UniqueFd cwd;
  if (!command.cwd.empty()) {
    cwd.reset(::open(command.cwd.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cwd) {
      throw SyscallError("open", fmt::format("\"{}\", O_PATH | O_DIRECTORY (the working directory of {})",
                                             command.cwd.string(), name), errno);
    }
    setup.cwd_fd = cwd.get();
  }
  std::vector<std::string> env = command.env.value_or(std::vector<std::string>{});
  std::vector<char*> envp;
  if (command.env) {
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    setup.envp = envp.data();
  }
  const std::vector<std::string> args(command.argv.begin() + 1, command.argv.end());

  std::error_code failed;
  pid_t forked = 0;
  setup.forked = &forked;
  state->start = Clock::now();
  bp::child child(bp::exe = program, bp::args = args, bp::std_in < bp::null, bp::std_out > out, bp::std_err > err,
                  setup, bp::error(failed));
  if (failed || !child.valid()) {
    const int code = failed.value();
    if (forked < 0) throw SyscallError("fork", fmt::format("to start \"{}\"", program), code);
    if ((code & k_step_fchdir) != 0) {
      throw SyscallError("fchdir", fmt::format("\"{}\" (the working directory of {})", command.cwd.string(), name),
                         code & k_errno_mask);
    }
    throw SyscallError("execve", fmt::format("\"{}\"", program), code);
  }
  child.detach();  // ours to end and reap: its destructor would kill the pid alone, and leave a zombie
  state->pid = child.id();
  state->out = std::move(out).source();  // the write ends were closed when it started
  state->err = std::move(err).source();
  for (auto* source : {&state->out, &state->err}) {
    ::fcntl(source->native_handle(), F_SETFL, ::fcntl(source->native_handle(), F_GETFL) | O_NONBLOCK);
  }
  state->pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, state->pid, 0)));
  if (!state->pidfd) {
    const int e = errno;
    ::kill(-state->pid, SIGKILL);
    ::waitpid(state->pid, nullptr, 0);
    throw SyscallError("pidfd_open", fmt::format("{} ({})", state->pid, name), e);
  }
  std::unique_ptr<HostChild> handle(new HostChild(std::move(state)));
  State& s = *handle->m_state;
  try {
    UniqueFd watched(::fcntl(s.pidfd.get(), F_DUPFD_CLOEXEC, 3));
    if (!watched) throw SyscallError("fcntl", fmt::format("{}, F_DUPFD_CLOEXEC (the pidfd of {})", s.pidfd.get(), name), errno);
    s.ended.assign(watched.release());
    s.loop = std::thread([&s] { s.run(); });
  } catch (...) {
    ::kill(-s.pid, SIGKILL);
    ::waitpid(s.pid, nullptr, 0);
    s.reaped = true;
    throw;
  }
  return handle;
}

HostChild::HostChild(std::unique_ptr<State> state) : m_state(std::move(state)) {}

HostChild::~HostChild() {
  if (!m_state->loop.joinable()) return;  // never started: start() ended it
  kill();
  m_state->loop.join();
}

pid_t HostChild::pid() const noexcept { return m_state->pid; }

bool HostChild::wait_for(std::chrono::duration<double> timeout) {
  std::unique_lock lock(m_state->mutex);
  return m_state->changed.wait_for(lock, timeout, [&] { return m_state->result.has_value(); });
}

const HostCommandResult& HostChild::wait() {
  std::unique_lock lock(m_state->mutex);
  m_state->changed.wait(lock, [&] { return m_state->result.has_value(); });
  return *m_state->result;
}

bool HostChild::finished() const {
  std::lock_guard guard(m_state->mutex);
  return m_state->result.has_value();
}

void HostChild::kill() {
  {
    std::lock_guard guard(m_state->mutex);
    m_state->kill_group_locked();
  }
  wait();
  std::lock_guard guard(m_state->mutex);
  if (!m_state->reaped) {
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(m_state->pidfd.get()), &info, WEXITED);
    m_state->reaped = true;
  }
}

std::string HostChild::stdout_text() const {
  std::lock_guard guard(m_state->mutex);
  return m_state->result ? m_state->result->out.bytes : m_state->out_bytes.bytes;
}

std::string HostChild::stderr_text() const {
  std::lock_guard guard(m_state->mutex);
  return m_state->result ? m_state->result->err.bytes : m_state->err_bytes.bytes;
}

HostCommandResult run_on_host(const HostCommand& command) {
  return HostChild::start(command)->wait();  // the handle then kills what it left in its group, and reaps it
}

}  // namespace labgrade
