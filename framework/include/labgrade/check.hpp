// The fluent layer over GoogleTest: a check reads as a short story.
//
//   class PosixShm : public labgrade::LabCheck {};
//
//   TEST_F(PosixShm, ConsumerRemovesObject) {
//     auto world = new_world();
//     world.run(reference("shm_producer")).exits(0);
//     world.run(student("shm_consumer")).exits(0);
//     world.expect_shm_empty().hint("call shm_unlink(name) when you are done");
//   }
//
// Who a program is decides whose fault its failure is:
//   student("x")   — the submission's program: its failures cost the student.
//   peer("x")      — a reference program judging the student's work (it reads
//                    what the student's program wrote): its failures are the student's.
//   reference("x") — a reference program setting the stage: if it fails, the
//                    grader broke (a grader error, exit 3), never a lost point.
//
// An assertion returns a Verdict that lives until the end of the statement:
// `.hint()` adds advice to the assertion just before it, and at the end of
// the statement a failed verdict ends the check. The first failure of a
// check is the one reported; without a hint of its own, the check's hint
// from lab.toml is used.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "labgrade/build_feed.hpp"
#include "labgrade/builder.hpp"
#include "labgrade/clock_channel.hpp"
#include "labgrade/ipc_inspector.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/parallel_checks.hpp"
#include "labgrade/process.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

class WorldsAhead;

/// What a check found wrong, in the student's terms.
struct Failure {
  std::string expected;
  std::string got;
  std::string hint;           // advice for this failure; empty: the check's hint from lab.toml
  bool grader_error = false;
  std::string general_hint;   // advice about how the program ended (a hang), added to the hint
  bool observed = false;      // general_hint follows from what labgrade saw (a deadlock, where it slept, a limit):
                              // the failure's cause, shared by every check that shows it
  bool skipped = false;       // not judged: `got` says why, `blocked_by` which check's failure holds it back
  std::string blocked_by;
  // A program of the student's that did not compile ("program/variant"): the
  // grader shows its errors under the first check in lab.toml's order that
  // met it, and skips the later ones, saying `not_built_skip` ("" for a check
  // that always shows them: expect_builds).
  std::string not_built;
  std::string not_built_skip;
};

/// Thrown to end a check at its first failure (after recording it).
class CheckFailed : public std::exception {
 public:
  const char* what() const noexcept override { return "check failed"; }
};

/// Records the failure for the running check and throws CheckFailed.
[[noreturn]] void fail_check(Failure failure);

/// Ends the running check as skipped: something it needs failed in the check
/// `blocked_by` (reported there), so judging it would only repeat that failure.
[[noreturn]] void skip_check(std::string reason, std::string blocked_by);

/// The failure recorded for the running check, if any (read by the runner).
std::optional<Failure>& current_failure();

/// Everything a check may use, set by the check runner before the checks run.
struct GradingContext {
  LabSpec lab;
  BuildFeed builds;  // the student's and the reference's, as the grader builds them
  std::filesystem::path scratch;
  /// The running check's deadline (lab.toml `timeout`), set by the runner.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  /// The running check, and what the checks before it came to (set by the runner).
  std::string current_test;
  /// The running check is another runner's (parallel_checks.hpp): skipped here, unreported.
  bool not_ours = false;
  /// How long the running check waited for the compilers (not its time).
  std::chrono::steady_clock::duration waited_for_builds{};
  struct Outcome {
    bool passed = false;
    std::string title;
    std::string root;  // a failed check itself, or what held a skipped one back
  };
  std::map<std::string, Outcome> outcomes;
  /// The submission's cores, shared with the other runners' worlds (null: none to share with).
  SharedCores* cores = nullptr;
  /// The runner's worlds made ahead (null: each made when asked for).
  WorldsAhead* worlds = nullptr;
  /// GradeOptions::all_cores: where this runner is kept to a share of the cores, all of them.
  Cores all_cores;

  /// A program built, waiting for the grader to finish it; the wait is not
  /// the check's time (its deadline moves by it).
  const BuildResult& build(Whose whose, const std::string& program, const std::string& variant);
  static GradingContext*& current();
};

/// The world a check of this context gets (lab.toml's limits, names and
/// files, the grader's folders hidden), with the cores to itself or shared.
WorldOptions check_world_options(const GradingContext& ctx, bool cores_to_itself);

enum class Role { student, peer, reference };

/// A program of the lab, as the student's or the reference's, with how to run it.
class Program {
 public:
  Program(Role role, std::string name) : m_role(role), m_name(std::move(name)) {}
  Program& args(std::vector<std::string> args) { m_args = std::move(args); return *this; }
  Program& stdin_text(std::string_view bytes) { m_stdin = InputFile::holding(bytes); return *this; }
  /// Its stdin, when the check gave it one.
  const std::optional<InputFile>& stdin_input() const { return m_stdin; }
  /// Its stdin from a file prepared once (megabytes, or the same input for several runs).
  Program& stdin_file(InputFile file) { m_stdin = std::move(file); return *this; }
  Program& time_limit(std::chrono::duration<double> limit) { m_time_limit = limit.count(); return *this; }
  Program& variant(std::string name) { m_variant = std::move(name); return *this; }
  /// Its stdin stays open for Run::write_stdin until Run::close_stdin.
  Program& interactive() { m_interactive = true; return *this; }
  Program& output_cap(std::size_t bytes) { m_output_cap = bytes; return *this; }
  /// Its stdout goes to a file read when it ends (bulk output: nothing competes
  /// with it for a CPU while it runs); stdout_text() is empty until then.
  Program& stdout_to_file() { m_stdout_to_file = true; return *this; }

  Role role() const { return m_role; }
  const std::string& name() const { return m_name; }
  /// "your shm_consumer", "the reference shm_producer".
  std::string who() const;

 private:
  friend class CheckWorld;
  Role m_role;
  std::string m_name;
  std::vector<std::string> m_args;
  std::optional<InputFile> m_stdin;
  std::optional<double> m_time_limit;
  std::string m_variant = "default";
  bool m_interactive = false;
  bool m_stdout_to_file = false;
  std::optional<std::size_t> m_output_cap;
};

/// A pending result: ends the check at the end of the statement when failed.
class Verdict {
 public:
  explicit Verdict(std::optional<Failure> failure);
  Verdict(const Verdict&) = delete;
  Verdict& operator=(const Verdict&) = delete;
  ~Verdict() noexcept(false);
  /// Advice for the student if the assertion just before it failed: it
  /// replaces the check's own hint (lab.toml); how the program ended and the
  /// cause labgrade observed (a deadlock, a SIGBUS, an errno) are still added
  /// below it. A hint is about the assertion just before it only: after one
  /// that passed, or did not run because an earlier one of the chain failed,
  /// it is not used (give each assertion of a chain its own).
  Verdict& hint(const std::string& text);
  bool ok() const { return !m_failure.has_value(); }

 protected:
  // Runs the next assertion of the chain unless an earlier one failed.
  template <typename Check>
  void also(Check&& check) {
    if (m_failure) {
      m_fresh = false;
      return;
    }
    m_failure = check();
    m_fresh = m_failure.has_value();
  }

 private:
  std::optional<Failure> m_failure;
  bool m_fresh;  // the failure comes from the assertion just before: a hint is about it
  int m_uncaught;
};

class Run;

/// Assertions about one run, chainable: `.exits(0).stdout_has_line("x")`.
class RunVerdict : public Verdict {
 public:
  RunVerdict(Run& run, std::optional<Failure> failure) : Verdict(std::move(failure)), m_run(run) {}
  RunVerdict& exits(int status);
  RunVerdict& fails();
  RunVerdict& within(std::chrono::duration<double> limit);
  RunVerdict& stdout_has_line(const std::string& line);
  RunVerdict& stdout_has(const std::string& text);
  RunVerdict& stderr_not_empty();
  RunVerdict& stdout_is(const std::string& bytes);
  RunVerdict& called(const std::string& function);
  RunVerdict& hint(const std::string& text) { Verdict::hint(text); return *this; }

 private:
  Run& m_run;
};

/// A program started in a world.
class Run {
 public:
  Run(Program program, std::shared_ptr<Process> process, std::shared_ptr<ClockChannel> clock, pid_t world_pid,
      WorldLimitsProbe limits = {})
      : m_program(std::move(program)), m_process(std::move(process)), m_clock(std::move(clock)),
        m_world_pid(world_pid), m_limits(std::move(limits)) {}

  RunVerdict exits(int status) { return RunVerdict(*this, check_exits(status)); }
  /// Ends with a non-zero exit status (not by a signal, not by the time limit).
  RunVerdict fails() { return RunVerdict(*this, check_fails()); }
  RunVerdict within(std::chrono::duration<double> limit) { return RunVerdict(*this, check_within(limit)); }
  /// Waits for the end, then: some line of stdout is `line` (trailing blanks and a
  /// missing final newline are fine).
  RunVerdict stdout_has_line(const std::string& line) { return RunVerdict(*this, check_stdout_line(line)); }
  RunVerdict stdout_has(const std::string& text) { return RunVerdict(*this, check_stdout_has(text)); }
  RunVerdict stderr_not_empty() { return RunVerdict(*this, check_stderr_not_empty()); }
  /// Waits for the end, then: stdout is exactly `bytes` (else: the first differing offset).
  RunVerdict stdout_is(const std::string& bytes) { return RunVerdict(*this, check_stdout_is(bytes)); }
  /// While it runs: it prints the line `line` within `timeout` (for output the
  /// contract says is flushed). Does not wait for the end. Fails at once when
  /// it ends first, or sleeps in pause/sigsuspend for half a second without
  /// printing it (the check sends nothing while it waits: it would sleep on).
  RunVerdict prints_line(const std::string& line, std::chrono::duration<double> timeout) {
    return RunVerdict(*this, check_prints_line(line, timeout, false));
  }
  /// The same, for a line-by-line protocol: the next line it prints (after
  /// those read by earlier calls) must be `line`; another one fails at once
  /// ("it printed \"SIGUSR1 0\" instead").
  RunVerdict prints_next_line(const std::string& line, std::chrono::duration<double> timeout) {
    return RunVerdict(*this, check_prints_line(line, timeout, true));
  }
  /// It is still running now (it was not ended by what the check did).
  RunVerdict still_running() { return RunVerdict(*this, check_still_running()); }
  /// Has not ended `settle` from now: a signal it was sent a moment ago had
  /// time to end it (dying is not instant).
  RunVerdict still_running_after(std::chrono::duration<double> settle) {
    return RunVerdict(*this, check_still_running(settle));
  }
  /// Sends it a signal.
  void signal(int sig) { ReplayJournal::current().signal_sent(*m_process, sig); m_process->signal(sig); }
  /// Its CPU time so far (user + system, from the kernel: /proc/PID/stat).
  double cpu_seconds() const;
  /// Its pid as the world numbers it (the first program of a world is 2).
  pid_t world_pid() const { return m_world_pid; }
  /// Processes it made, as counted without a pid namespace (-1: not counted).
  int process_counted_forks() const { return m_process->forks_made(); }
  /// Waits for the end, then: it called `function` (a watched one: see labgrade_clock.c).
  RunVerdict called(const std::string& function) { return RunVerdict(*this, check_called(function)); }

  /// With the grader's control of time ([clock] control = true): waits until
  /// the program is asleep — the moment to look inside the world.
  RunVerdict sleeps() { return RunVerdict(*this, check_sleeps()); }
  /// Ends its sleep now.
  void wake();
  /// Feeds its stdin (for programs started with Program::interactive()).
  void write_stdin(const std::string& bytes) {
    ReplayJournal::current().stdin_written(*m_process, bytes);
    m_process->write_stdin(bytes);
  }
  void close_stdin() { ReplayJournal::current().stdin_closed(*m_process); m_process->close_stdin(); }
  /// Ends it now (SIGKILL), e.g. a producer left waiting on purpose.
  void kill() { ReplayJournal::current().killed(*m_process, "the check was done with it"); m_process->kill(); }

  /// Waits for its end. The check does nothing else meanwhile, which its
  /// world's deadlock watch counts on (Process::Awaiting).
  const ProcessResult& wait() {
    Process::Awaiting awaiting = m_process->awaiting();
    return m_process->wait();
  }
  /// Everything it printed (once it has ended; valid while this Run lives).
  const std::string& stdout_text() { wait(); return m_process->final_stdout(); }
  std::string stderr_text() { wait(); return m_process->stderr_text(); }
  Process& process() { return *m_process; }
  const Program& program() const { return m_program; }
  /// While it lives, the check awaits an event of this program and does
  /// nothing else: its world's deadlock watch may then end a program that
  /// nothing can wake. Prefer await_until.
  Process::Awaiting awaiting() const { return m_process->awaiting(); }
  /// Polls `condition` until it holds (true) or `timeout` passes (false), for
  /// a wait whose failure fails the check: after half a second (a program
  /// that does its part does it at once) the wait is awaited, so a world that
  /// can never move again ends it (the program ended: `condition` should
  /// say so too, e.g. `|| run.process().finished()`).
  bool await_until(const std::function<bool()>& condition, std::chrono::duration<double> timeout);
  /// The failure of a story about this program, for lab_check's own waits
  /// (fail_check): stops it if it still runs, and adds how it ended and the
  /// cause observed (a deadlock, where it slept, a limit) to the hint.
  Failure failure(std::string expected, std::string got) const;

 private:
  friend class RunVerdict;
  std::optional<Failure> check_exits(int status);
  std::optional<Failure> check_fails();
  std::optional<Failure> check_within(std::chrono::duration<double> limit);
  std::optional<Failure> check_stdout_line(const std::string& line);
  std::optional<Failure> check_stdout_has(const std::string& text);
  std::optional<Failure> check_stderr_not_empty();
  std::optional<Failure> check_called(const std::string& function);
  std::optional<Failure> check_stdout_is(const std::string& bytes);
  std::optional<Failure> check_prints_line(const std::string& line, std::chrono::duration<double> timeout, bool next);
  std::optional<Failure> check_still_running(std::chrono::duration<double> settle = {});
  std::optional<Failure> check_sleeps();
  std::string ending_with_output();

  Program m_program;
  std::shared_ptr<Process> m_process;
  std::shared_ptr<ClockChannel> m_clock;  // null without the grader's control of time
  pid_t m_world_pid = -1;
  WorldLimitsProbe m_limits;  // to name the world's limit it hit
  std::size_t m_lines_read = 0;  // complete lines of stdout read by prints_next_line
};

/// Assertions about one POSIX message queue of the world.
class PosixQueueVerdict : public Verdict {
 public:
  PosixQueueVerdict(std::optional<PosixQueueAttributes> attributes, std::string name, std::optional<Failure> failure)
      : Verdict(std::move(failure)), m_attributes(attributes), m_name(std::move(name)) {}
  PosixQueueVerdict& max_messages(long count);
  PosixQueueVerdict& message_size(long bytes);
  PosixQueueVerdict& messages(long count);
  PosixQueueVerdict& hint(const std::string& text) { Verdict::hint(text); return *this; }

 private:
  std::optional<PosixQueueAttributes> m_attributes;
  std::string m_name;
};

/// Assertions about one POSIX shared memory object of the world.
class ShmVerdict : public Verdict {
 public:
  ShmVerdict(class CheckWorld& world, std::string name, std::optional<Failure> failure)
      : Verdict(std::move(failure)), m_world(world), m_name(std::move(name)) {}
  ShmVerdict& size(std::uintmax_t bytes);
  /// The owner may read and write it (mode & 0600).
  ShmVerdict& owner_can_read_write();
  /// Its first bytes are exactly `bytes` (NULs included).
  ShmVerdict& starts_with(const std::string& bytes);
  ShmVerdict& hint(const std::string& text) { Verdict::hint(text); return *this; }

 private:
  CheckWorld& m_world;
  std::string m_name;
};

/// Assertions about one System V shared memory segment of the world.
class SysvVerdict : public Verdict {
 public:
  SysvVerdict(std::optional<SysvSegment> segment, std::string what, std::optional<Failure> failure)
      : Verdict(std::move(failure)), m_segment(std::move(segment)), m_what(std::move(what)) {}
  SysvVerdict& size(std::size_t bytes);
  SysvVerdict& mode(unsigned permissions);
  /// Its first ints (native byte order) are `values`.
  SysvVerdict& holds_ints(const std::vector<int>& values);
  /// Exactly `count` processes have it attached.
  SysvVerdict& attached(unsigned long count);
  SysvVerdict& hint(const std::string& text) { Verdict::hint(text); return *this; }

 private:
  std::optional<SysvSegment> m_segment;
  std::string m_what;
};

/// One check's world: runs programs and looks inside. Ends with its owner
/// (torn down then, or behind by the runner's WorldsAhead when given one).
class CheckWorld {
 public:
  explicit CheckWorld(std::unique_ptr<World> world, WorldsAhead* ahead = nullptr)
      : m_world(std::move(world)), m_ahead(ahead) {}
  CheckWorld(CheckWorld&&) noexcept = default;
  CheckWorld& operator=(CheckWorld&&) noexcept = default;
  /// A student's program that tried to signal outside its own process tree
  /// (kill(-1, ...), its parent, another program of the world) fails the
  /// check with that cause, whatever else happened: it is the root of it.
  ~CheckWorld();

  /// Starts the program; a student program that did not compile ends the check here.
  Run run(Program program);

  /// The world's /dev/shm holds nothing.
  Verdict expect_shm_empty();
  /// /dev/shm/<name> exists (further assertions chain).
  ShmVerdict expect_shm_object(const std::string& name);

  /// The System V segment with this key exists (further assertions chain).
  SysvVerdict expect_sysv_segment(long key);
  /// The world holds no System V shared memory segment.
  Verdict expect_no_sysv_segments();
  /// The world's segments, as `ipcs -m` would list them.
  std::vector<SysvSegment> sysv_segments() const;
  /// ftok(file, project) for a file of the world's working directory.
  long ftok_key(const std::string& file, int project) const;

  /// The world's POSIX message queue `name` exists (further assertions chain).
  PosixQueueVerdict expect_posix_queue(const std::string& name);
  /// The world's /dev/mqueue is empty.
  Verdict expect_no_posix_queues();
  /// The world holds no System V message queue.
  Verdict expect_no_sysv_queues();

  /// `name` in the working directory is a FIFO (S_ISFIFO) / does not exist.
  Verdict expect_fifo(const std::string& name);
  Verdict expect_no_file(const std::string& name);

  /// No process of the world was ever reparented to its init: every parent
  /// waited for its children. (Needs isolation: a pid namespace.)
  Verdict expect_no_orphans();
  /// How many processes `run`'s program and its descendants created (needs
  /// isolation, and no other program started after it in this world).
  int processes_created_by(const Run& run);

  /// The bytes of /dev/shm/<name> now, or nothing when it does not exist.
  std::optional<std::string> read_shm(const std::string& name) const;
  /// A fresh port for this check's server (a hard-coded port fails): the
  /// world's network is its own ([world] loopback = true).
  static unsigned fresh_port();
  /// `server` listens on 127.0.0.1:port within `timeout` (it need not print
  /// anything: the world's /proc/<pid>/net/tcp says). Else: how it ended, or
  /// the ports it listens on instead.
  Verdict expect_listening(Run& server, unsigned port, std::chrono::duration<double> timeout = std::chrono::seconds(3));
  /// `server` has registered the RPC program `program`, version `version`,
  /// with its world's rpcbind ([world] rpcbind = true) and answers its
  /// procedure 0 over TCP (rpcinfo -T tcp, run in the world), within
  /// `timeout`. Else: how it ended, or what rpcinfo said last.
  Verdict expect_rpc_registered(Run& server, unsigned long program, unsigned long version,
                                std::chrono::duration<double> timeout = std::chrono::seconds(3));
  /// How many of its descriptors are TCP connections now, not a listening
  /// socket (a server's parent that closed its copies holds none; -1: ended).
  int connections_held_by(Run& program) const;
  /// How many of its children have ended and were not waited for.
  /// Only those still zombies `patience` after they were seen: a parent's
  /// SIGCHLD handler may run late on a busy machine.
  std::size_t zombies_of(Run& program, std::chrono::duration<double> patience = std::chrono::seconds(1)) const;

  /// Polls `condition` until it holds (true) or `timeout` passes (false).
  static bool wait_until(const std::function<bool()>& condition, std::chrono::duration<double> timeout);

  /// "SYSUOS (4096 bytes), other (0 bytes)" or "nothing".
  std::string shm_listing() const;
  std::filesystem::path shm_path(const std::string& name) const;
  World& world() { return *m_world; }

 private:
  /// " after your shm_producer and the reference shm_consumer ran": every
  /// program started in this world so far, for messages (never only the
  /// last one, which need not be the one responsible).
  std::string after_last_run() const;

  std::unique_ptr<World> m_world;
  WorldsAhead* m_ahead = nullptr;  // tears the world down behind (null: torn down here)
  std::vector<std::string> m_programs_run;  // who, in the order first started
  std::vector<std::pair<std::string, std::shared_ptr<Process>>> m_student_processes;  // who, its process
};

/// Base of every lab's fixture: `class PosixShm : public labgrade::LabCheck {};`.
/// A fixture that overrides SetUp calls LabCheck::SetUp() first.
class LabCheck : public ::testing::Test {
 protected:
  /// Skips the check when one it `needs` (lab.toml) failed or was skipped.
  void SetUp() override;
  CheckWorld new_world();
  /// A world that no other such world shares the machine with while it lives
  /// (waited for, not counted in the check's time): for a check that times a
  /// busy-waiting pair, which is only fast with cores to itself.
  CheckWorld new_world_with_cores_to_itself();
  Program student(const std::string& name) { return Program(Role::student, name); }
  Program peer(const std::string& name) { return Program(Role::peer, name); }
  Program reference(const std::string& name) { return Program(Role::reference, name); }
  /// The student's program compiled (for the variant); fails the check with the compiler's first errors otherwise.
  void expect_builds(const std::string& program, const std::string& variant = "default");
  /// The student's `program`, which takes a count N as its first argument,
  /// refuses a missing one and a non-number ("ten"): exit status 2 and a
  /// message on stderr (`usage` is the message the hint suggests, e.g. "usage: %s N").
  /// `argument`: what the first argument is called in the messages ("N", "PORT").
  void expect_rejects_bad_count(const std::string& program, const std::string& usage, const std::string& argument = "N");
  /// `digits` fresh random hex digits: data a hard-coded answer can't match.
  static std::string nonce_hex(std::size_t digits);
  const LabSpec& lab() const;

 private:
  CheckWorld make_world(bool cores_to_itself);
};

/// Bytes as a C-like literal for messages: "Hello\n\0" → "Hello\\n\\0".
std::string c_literal(const std::string& bytes, std::size_t max = 120);

}  // namespace labgrade
