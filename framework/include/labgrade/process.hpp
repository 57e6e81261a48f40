// One program started by the grader into a world (World::spawn), or under
// what only this layer gives (a seccomp filter, Landlock, a cgroup, descriptors
// handed over). Plain host tools go through host_command.hpp (Boost.Process).
//
//   SpawnOptions options;
//   options.argv = {"/usr/bin/env"};
//   options.time_limit = 5.0;
//   auto p = Process::spawn(options);
//   const ProcessResult& r = p->wait();          // until it ends, or kills it at the limit
//   fmt::print("{}: {}\n", r.describe(), p->stdout_text());
//
// A pump thread per process feeds stdin, drains stdout/stderr (capped: the
// rest is counted and dropped, so a flood never blocks the program or fills
// memory) and reaps the process through its pidfd. The destructor kills,
// reaps and joins: no process outlives its handle.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "labgrade/input_file.hpp"
#include "labgrade/sandbox_user.hpp"
#include "labgrade/seccomp_filter.hpp"
#include "labgrade/signal_guard.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// How a run ended, in the few words isolate's meta file uses.
struct ProcessResult {
  enum class Ending { exited, signaled, timed_out };
  Ending ending = Ending::exited;
  int exit_status = 0;   // when exited
  int signal = 0;        // when signaled (or the signal that ended a timed-out run)
  double time_limit = 0; // seconds, as given
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system, from the kernel
  long max_rss_kb = 0;
  bool seccomp_refused = false;  // ran under a seccomp filter: a SIGSYS is the filter's
  std::string stuck;             // timed out early: why its world could never move again (see StuckWorld)
  std::string stuck_advice;      // what to look at in the program for that cause ("" for none)

  bool exited_with(int status) const { return ending == Ending::exited && exit_status == status; }
  /// "exited with status 1", "killed by SIGSEGV (segmentation fault)", "timed out after 5 s",
  /// "was stuck after 0.3 s, and would never have ended (a deadlock: ...)".
  std::string describe() const;
};

/// Captured bytes of one stream, capped.
struct Captured {
  std::string bytes;
  std::size_t total = 0;  // bytes the program wrote, kept or not
  bool truncated() const { return total > bytes.size(); }
};

/// A set of resource limits applied (setrlimit) just before exec.
struct ResourceLimits {
  long cpu_seconds = 0;     // 0: leave as is
  long address_space_mb = 0;
  long file_size_mb = 0;
  long open_files = 0;
  long processes = 0;
};

/// Why a world can never move again, as its deadlock watch found it.
struct StuckWorld {
  std::string why;     // "a deadlock: pipe (pid 2) waits for ..." / "msg_receiver (pid 2) waits in msgrcv ..."
  std::string advice;  // the cause in a student's terms, for a hint
};

/// How many waits of the check are under way on a world's programs, shared
/// by the world's processes and its deadlock watch: while one is, the check
/// does nothing to the world (it sends no signal, starts nothing, opens
/// nothing), so only the world's own processes can still wake each other.
using AwaitCount = std::shared_ptr<std::atomic<int>>;

struct SpawnOptions {
  std::vector<std::string> argv;            // argv[0] is the path to execute
  std::vector<std::string> env;             // the whole environment; empty: inherit the grader's
  std::filesystem::path cwd;                // empty: the grader's
  std::optional<InputFile> stdin_file;      // its whole stdin, read as from a file
  bool interactive_stdin = false;           // stdin is a pipe, kept open: write_stdin / close_stdin
                                            // (with stdin_file too: its bytes are written first)
  double time_limit = 5.0;                  // wall seconds; then SIGKILL
  std::size_t output_cap = 1 << 20;         // per stream
  bool stdout_to_file = false;              // stdout is a memfd read when it ends (bulk output:
                                            // nothing reads while it runs; RLIMIT_FSIZE caps it)
  ResourceLimits limits;
  /// The calls it may not make (installed just before execve); null: all.
  const SeccompFilter* seccomp = nullptr;
  /// Count the processes it and its descendants make (a seccomp listener
  /// served by the pump): where no pid namespace can count them.
  bool count_forks = false;
  /// Let its signals reach only its own process tree (the same listener; see
  /// SignalGuard): a refused one fails with EPERM and is remembered
  /// (Process::refused_signal()).
  std::optional<SignalGuard> signal_guard;
  /// The user it runs as (set just before execve, after the cgroup, the
  /// namespaces and the rlimits); nothing to switch: the grader's.
  RunAs run_as;
  /// Execute argv[0] through a descriptor opened by the grader (execveat):
  /// the program need not be reachable by its path from inside its world, or
  /// by the user it runs as.
  bool exec_by_descriptor = false;
  /// A Landlock domain it enters just before execve (worlds without namespaces).
  const class LandlockRuleset* landlock = nullptr;
  /// The cores it runs on (its affinity, set first); empty: those of the thread that starts it.
  std::vector<int> cores;
  /// cgroup.procs files the child joins before anything else (a world's cgroup).
  std::vector<int> cgroup_join_fds;
  /// Enter these namespaces of the process behind `join_pidfd` before exec
  /// (setns with a pidfd); the program then lives in that world's pid namespace.
  int join_pidfd = -1;
  int join_flags = 0;
  bool kill_with_grader = true;             // PR_SET_PDEATHSIG(SIGKILL)
  /// Descriptors handed to the program: {ours, the number it gets}. All
  /// others are closed at exec.
  std::vector<std::pair<int, int>> pass_fds;
  /// Asked now and then while it runs (from 0.2 s on, every 0.1 s): why its
  /// world can never move again, if it cannot (see DeadlockWatch). An answer
  /// ends the run at once as timed out, with that reason, rather than at its
  /// time limit.
  std::function<std::optional<StuckWorld>()> deadlock_check;
  /// Its world's count of the check's waits (Process::Awaiting); may be null.
  AwaitCount awaits;
  /// Asked every 50 ms while it runs: which limit of its world it has gone
  /// past, if any (where no tmpfs caps the world's files). An answer kills
  /// its process group at once.
  std::function<std::optional<std::string>()> limit_check;
};

class Process {
 public:
  /// Starts the program. Throws SyscallError when the grader cannot (fork, pipe,
  /// setns, execve: the message names the call and the program).
  static std::shared_ptr<Process> spawn(const SpawnOptions& options);

  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const noexcept { return m_pid; }
  /// Its pid as its own world numbers it (in a pid namespace: what its
  /// programs see); pid() where it runs on the host.
  pid_t pid_inside() const noexcept { return m_pid_inside; }
  /// Readable once the program has ended (for poll).
  int pidfd() const noexcept { return m_pidfd.get(); }
  const std::string& name() const noexcept { return m_name; }

  /// Held by the check while it waits for an event of this program (its end,
  /// a line it prints) and will act on nothing until then: its world's
  /// deadlock watch may then count on that (waits on queues, FIFOs, futexes,
  /// signals are stuck once every process of the world is asleep in one).
  /// When the world is found stuck while awaited, only the awaited programs
  /// are ended (the verdict is theirs): ending another would change what the
  /// awaited one sees (a server ended makes its client's read return).
  class Awaiting {
   public:
    Awaiting(AwaitCount world, std::shared_ptr<std::atomic<int>> own);
    ~Awaiting();
    Awaiting(const Awaiting&) = delete;
    Awaiting& operator=(const Awaiting&) = delete;

   private:
    AwaitCount m_world;
    std::shared_ptr<std::atomic<int>> m_own;
  };
  Awaiting awaiting() const { return Awaiting(m_awaits, m_awaited); }

  /// Blocks until the program has ended (killing it at its time limit).
  const ProcessResult& wait();
  /// Waits at most `timeout`; true when it has ended.
  bool wait_for(std::chrono::duration<double> timeout);
  bool finished() const;

  /// Sends a signal (through the pidfd: never a recycled pid).
  void signal(int sig);
  /// Kills it and its process group now (SIGCONT, then SIGKILL; also after
  /// it has exited: what it left in its group goes too), waits for the end
  /// and reaps it.
  void kill();

  void write_stdin(const std::string& bytes);
  void close_stdin();

  /// The first signal of its process tree that was refused, in words ("it
  /// tried to kill every process (kill(-1, SIGKILL))"); "" when none was.
  std::string refused_signal() const;

  /// Processes it and its descendants made so far (fork, vfork, clone without
  /// CLONE_THREAD), or -1 when not counted (SpawnOptions::count_forks).
  int forks_made() const noexcept { return m_forks.load(); }

  std::string stdout_text() const;
  std::string stderr_text() const;
  /// Its whole (capped) stdout once it has ended, without a copy: final by then.
  const std::string& final_stdout() const;
  Captured stdout_captured() const;
  Captured stderr_captured() const;
  /// Waits until `ready(stdout so far)` holds, the program ends, or the timeout passes.
  bool wait_for_stdout(const std::function<bool(const std::string&)>& ready,
                       std::chrono::duration<double> timeout);

 private:
  Process() = default;
  void pump();
  void finish_locked(const siginfo_t& info, const ::rusage& usage);
  void kill_group_locked();
  void read_stdout_file();
  void serve_notification();
  void serve_descendants();

  pid_t m_pid = -1;
  std::string m_name;
  UniqueFd m_pidfd, m_stdin, m_stdout, m_stderr, m_wake_read, m_wake_write, m_stdout_file;
  UniqueFd m_listener;            // seccomp notifications of its signals and new processes
  std::atomic<int> m_forks{-1};   // processes it and its descendants made; -1: not counted
  std::optional<SignalGuard> m_signal_guard;
  pid_t m_tree_root = -1;         // its pid as the guard's /proc numbers it
  pid_t m_pid_inside = -1;        // its pid as its world numbers it
  std::string m_refused_signal;   // under m_mutex
  std::atomic<bool> m_stop{false};  // the handle is going: stop serving the listener
  std::string m_stdin_pending;
  bool m_stdin_close_requested = false;
  std::size_t m_output_cap = 0;
  bool m_seccomp = false;
  double m_time_limit = 0;
  std::chrono::steady_clock::time_point m_start;
  bool m_timed_out = false;
  std::function<std::optional<StuckWorld>()> m_deadlock_check;
  AwaitCount m_awaits;
  std::shared_ptr<std::atomic<int>> m_awaited = std::make_shared<std::atomic<int>>(0);  // the check's waits on this program
  std::function<std::optional<std::string>()> m_limit_check;
  StuckWorld m_stuck;  // why it was ended early (a stuck world); why is "" otherwise
  bool m_reaped = false;  // the result is known from WNOWAIT; reaping waits for kill()

  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  Captured m_out, m_err;
  std::optional<ProcessResult> m_result;
  std::thread m_pump;
};

/// Human name of a signal: "SIGSEGV".
std::string signal_name(int sig);

}  // namespace labgrade
