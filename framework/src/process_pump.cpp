// The pump of a Process (process.hpp): one thread per program that feeds
// its stdin, drains its stdout and stderr (capped), serves its seccomp
// listener (forks counted, signals guarded), asks its world's deadlock watch
// and limit probe, kills it at its time limit, and reaps it through its pidfd.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/process.hpp"
#include "labgrade/proc_files.hpp"
#include "process_child.hpp"

namespace labgrade {

namespace {

using Clock = std::chrono::steady_clock;

// When the pump asks whether a program's world is stuck: a deadlock is
// found in about 0.3 s (two looks that agree), a program that ends sooner is
// never looked at.
constexpr auto k_deadlock_check_from = std::chrono::milliseconds(200);
constexpr auto k_deadlock_check_every = std::chrono::milliseconds(100);
// How often a world without caps of its own is measured (its files and /dev/shm objects).
constexpr auto k_limit_check_every = std::chrono::milliseconds(50);

void append_capped(Captured& c, const char* data, std::size_t n, std::size_t cap) {
  c.total += n;
  if (c.bytes.size() < cap) c.bytes.append(data, std::min(n, cap - c.bytes.size()));
}

}  // namespace

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
      // While the check awaits programs of the world, only those are ended.
      const bool others_awaited = m_awaits && *m_awaits > 0 && *m_awaited == 0;
      if (auto why = m_deadlock_check(); why && !others_awaited && ::poll(&ended, 1, 0) == 0) {
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

}  // namespace labgrade
