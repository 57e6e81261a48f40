// A program labgrade starts on the host, outside any world: the compilers of
// the clock shim and of a course's checks, the check runner, objdump and
// strip. Boost.Process starts it (host_command.cpp is the only unit that
// includes it); programs in worlds go through Process (process.hpp), which
// needs what Boost.Process cannot give (setns with a pidfd, CLONE_PARENT,
// seccomp, Landlock, cgroups).
//
//   HostCommand gcc;
//   gcc.argv = {"gcc", "-c", "shim.c"};   // a name is looked up in PATH
//   gcc.cwd = dir;
//   gcc.time_limit = 60;
//   const HostCommandResult r = run_on_host(gcc);
//   if (!r.exited_with(0)) throw GraderError("gcc " + r.describe() + ": " + r.err.bytes);
//
// The program is its own session and process group, and ends with the
// grader (PR_SET_PDEATHSIG); at its time limit the whole group is killed.
// Its stdout and stderr are drained together (a flood on one never blocks
// the other) and capped; stdin is /dev/null.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/process.hpp"

namespace labgrade {

struct HostCommand {
  std::vector<std::string> argv;                 // argv[0]: a path, or a name found in PATH
  std::filesystem::path cwd;                     // empty: the grader's
  std::optional<std::vector<std::string>> env;   // "NAME=value" each, the whole environment; none: the grader's
  double time_limit = 60.0;                      // wall seconds; then its process group is killed
  std::size_t output_cap = 1 << 20;              // bytes kept per stream (the rest is counted)
};

/// How a host command ended, in ProcessResult's words, and what it wrote.
struct HostCommandResult {
  using Ending = ProcessResult::Ending;
  Ending ending = Ending::exited;
  int exit_status = 0;      // when exited
  int signal = 0;           // when signaled (or the signal that ended a timed-out run)
  double time_limit = 0;    // seconds, as given
  double wall_seconds = 0;
  Captured out, err;

  bool exited_with(int status) const { return ending == Ending::exited && exit_status == status; }
  /// "exited with status 1", "killed by SIGSEGV (Segmentation fault)", "timed out after 60 s".
  std::string describe() const;
};

/// A host command started and still owned: polled, killed, its output read.
/// The destructor kills what is left of its process group and reaps it.
///
///   auto runner = HostChild::start(command);
///   while (!runner->wait_for(std::chrono::milliseconds(50))) follow_progress();
///   if (!runner->wait().exited_with(0)) ... runner->wait().err.bytes ...
class HostChild {
 public:
  /// Starts it. Throws SyscallError naming the call, the command and errno
  /// when it cannot (a program not found, not executable, a missing cwd).
  static std::unique_ptr<HostChild> start(const HostCommand& command);

  ~HostChild();
  HostChild(const HostChild&) = delete;
  HostChild& operator=(const HostChild&) = delete;

  pid_t pid() const noexcept;
  /// Waits at most `timeout`; true when it has ended.
  bool wait_for(std::chrono::duration<double> timeout);
  /// Until it ends (killed at its time limit); its output is final then.
  const HostCommandResult& wait();
  bool finished() const;
  /// Kills its process group now (also what it left running after its end),
  /// waits for its end and reaps it.
  void kill();
  /// What it wrote so far (capped).
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  struct State;  // host_command.cpp: Boost.Process and Asio stay out of this header
  explicit HostChild(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

/// Starts the command and waits for its end.
HostCommandResult run_on_host(const HostCommand& command);

/// The program a command runs: argv[0] if it holds a '/', else the first
/// executable of that name in PATH (the command's own PATH when it sets its
/// environment); "" when there is none.
std::string resolve_host_program(const HostCommand& command);

}  // namespace labgrade
