// Programs started on the host through Boost.Process (host_command.hpp):
// how they end, in ProcessResult's words; their output (both streams at
// once, capped); their time limit and group; the errors of a start that
// cannot happen. BoostProcess174.* show what Boost.Process 1.74 does by
// itself where labgrade needs otherwise; the HostCommand.* or HostChild.*
// test after each proves the wrapper's way.
#include "labgrade/host_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/process.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

HostCommand shell(const std::string& script, double time_limit = 5.0) {
  HostCommand command;
  command.argv = {"/bin/sh", "-c", script};
  command.time_limit = time_limit;
  return command;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Children of this process that have ended and are not reaped (zombies):
// reaped here, and counted.
int reap_zombie_children() {
  int reaped = 0;
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return reaped;
    ::waitpid(info.si_pid, nullptr, 0);
    ++reaped;
  }
}

// A killed process of a killed group: gone, or a zombie of this process
// when a host world made it a subreaper (then reaped here).
bool ended_for_good(pid_t pid) {
  const bool ended = test::eventually([&] { char s = test::process_state(pid); return s == 0 || s == 'Z'; }, 5s);
  ::waitpid(pid, nullptr, WNOHANG);
  return ended;
}

// ---- How it ended ----------------------------------------------------------

TEST(HostCommand, ExitStatusIsReportedInProcessResultsWords) {
  const HostCommandResult r = run_on_host(shell("exit 7"));
  EXPECT_EQ(r.ending, HostCommandResult::Ending::exited);
  EXPECT_TRUE(r.exited_with(7));
  EXPECT_FALSE(r.exited_with(0));
  EXPECT_EQ(r.describe(), "exited with status 7");
}

// Boost: exit_code() of a child killed by SIGTERM is 15, as for `exit 15`.
TEST(BoostProcess174, ExitCodeOfASignalledChildIsItsSignalsNumber) {
  bp::child killed("/bin/sh", bp::args = {"-c", "kill -TERM $$"});
  killed.wait();
  bp::child fifteen("/bin/sh", bp::args = {"-c", "exit 15"});
  fifteen.wait();
  EXPECT_EQ(killed.exit_code(), SIGTERM);
  EXPECT_EQ(killed.exit_code(), fifteen.exit_code()) << "a signal and an exit status look the same";
}

TEST(HostCommand, KilledBySignalSaysWhich) {
  const HostCommandResult segv = run_on_host(shell("kill -SEGV $$"));
  EXPECT_EQ(segv.ending, HostCommandResult::Ending::signaled);
  EXPECT_EQ(segv.signal, SIGSEGV);
  EXPECT_FALSE(segv.exited_with(SIGSEGV));
  EXPECT_THAT(segv.describe(), HasSubstr("killed by SIGSEGV"));
  EXPECT_EQ(run_on_host(shell("exit 11")).describe(), "exited with status 11");
}

// ---- Output ----------------------------------------------------------------

TEST(HostCommand, StdoutAndStderrAreCapturedApartAndStdinIsEmpty) {
  const HostCommandResult r = run_on_host(shell("cat; printf out; printf err >&2"));
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  EXPECT_EQ(r.out.bytes, "out");
  EXPECT_EQ(r.err.bytes, "err");
  EXPECT_FALSE(r.out.truncated());
}

// Boost: reading one synchronous pipe (ipstream) to its end while the child
// fills the other blocks both: the child waits for a reader of stderr.
TEST(BoostProcess174, SynchronousPipesDeadlockWhenTheOtherStreamFills) {
  bp::ipstream out, err;
  bp::child child("/bin/sh", bp::args = {"-c", "printf '%0262144d' 0 >&2; echo done"}, bp::std_out > out,
                  bp::std_err > err);
  auto line = std::async(std::launch::async, [&] {
    std::string text;
    std::getline(out, text);
    return text;
  });
  EXPECT_EQ(line.wait_for(1s), std::future_status::timeout) << "stdout was read although stderr was never drained";
  child.terminate();  // the only process: its pipes close, the read ends
  line.get();
  ::waitpid(child.id(), nullptr, 0);
}

TEST(HostCommand, TwoLargeStreamsAreDrainedTogetherAndCapped) {
  const HostCommandResult r =
      run_on_host(shell("head -c 3145728 /dev/zero >&2; head -c 3145728 /dev/zero; echo end >&2", 30));
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  EXPECT_EQ(r.out.total, 3145728u);
  EXPECT_EQ(r.err.total, 3145728u + 4);
  EXPECT_EQ(r.out.bytes.size(), 1u << 20);
  EXPECT_TRUE(r.err.truncated());
}

TEST(HostCommand, OutputCapIsPerStream) {
  HostCommand command = shell("printf 0123456789; printf abc >&2");
  command.output_cap = 4;
  const HostCommandResult r = run_on_host(command);
  EXPECT_EQ(r.out.bytes, "0123");
  EXPECT_EQ(r.out.total, 10u);
  EXPECT_EQ(r.err.bytes, "abc");
}

// ---- Time limit and group --------------------------------------------------

// Boost: terminate() kills the child alone (what it started lives on) and
// forgets how it ended: exit_code() is then 383, "still running" (0x17f).
TEST(BoostProcess174, TerminateKillsTheChildOnlyAndForgetsHowItEnded) {
  test::MarkedProcessReaper sleepers("9" + test::unique_digits(5));
  bp::ipstream out;
  bp::child child("/bin/sh", bp::args = {"-c", "sleep " + sleepers.marker() + " & echo $!; wait"}, bp::std_out > out);
  std::string line;
  ASSERT_TRUE(std::getline(out, line));
  const pid_t sleeper = static_cast<pid_t>(std::stol(line));
  child.terminate();
  EXPECT_EQ(child.exit_code(), 0x17f) << "not SIGKILL's 9: the status read by terminate() is dropped";
  EXPECT_EQ(::kill(sleeper, 0), 0) << "the child's own child should still run";
  ::waitpid(child.id(), nullptr, 0);  // terminate() polls once with WNOHANG: often a zombie is left
  ::kill(sleeper, SIGKILL);
  EXPECT_TRUE(ended_for_good(sleeper));
}

TEST(HostCommand, TimeLimitKillsTheWholeGroup) {
  test::MarkedProcessReaper sleepers("9" + test::unique_digits(5));
  HostCommand command = shell("sleep " + sleepers.marker() + " & echo $!; sleep " + sleepers.marker(), 0.3);
  const auto start = Clock::now();
  const HostCommandResult r = run_on_host(command);
  EXPECT_LT(seconds_since(start), 3.0);
  EXPECT_EQ(r.ending, HostCommandResult::Ending::timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.describe(), "timed out after 0.3 s");
  ASSERT_FALSE(r.out.bytes.empty());
  EXPECT_TRUE(ended_for_good(static_cast<pid_t>(std::stol(r.out.bytes)))) << "the group's other sleeper survived";
}

TEST(HostChild, KillEndsWhatItLeftInItsGroup) {
  test::MarkedProcessReaper sleepers("9" + test::unique_digits(5));
  auto child = HostChild::start(shell("sleep " + sleepers.marker() + " >/dev/null 2>&1 & echo $!"));
  ASSERT_TRUE(child->wait().exited_with(0)) << child->wait().describe();
  const pid_t sleeper = static_cast<pid_t>(std::stol(child->wait().out.bytes));
  EXPECT_EQ(::kill(sleeper, 0), 0);
  child->kill();
  EXPECT_TRUE(ended_for_good(sleeper));
  EXPECT_EQ(test::process_state(child->pid()), 0) << "reaped";
}

TEST(HostChild, ItsEndKillsAndReapsItWhileItRuns) {
  test::MarkedProcessReaper sleepers("9" + test::unique_digits(5));
  auto child = HostChild::start({.argv = {"/bin/sleep", sleepers.marker()}, .time_limit = 60});
  const pid_t pid = child->pid();
  EXPECT_FALSE(child->wait_for(50ms));
  child.reset();
  EXPECT_EQ(test::process_state(pid), 0) << "killed and reaped";
}

// ---- Waiting ---------------------------------------------------------------

// Boost: wait_for sleeps in sigtimedwait for a SIGCHLD that is gone when the
// child ended first (or that went to the thread that started it).
TEST(BoostProcess174, WaitForSleepsItsWholeTimeoutForAChildThatHasEnded) {
  bp::child child("/bin/true");
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child.id()), &info, WEXITED | WNOWAIT), 0);  // it has ended
  auto start = Clock::now();
  EXPECT_TRUE(child.wait_for(1s));
  EXPECT_GE(seconds_since(start), 0.9) << "wait_for returned at once: fixed in this Boost?";

  bp::child sleeper("/bin/sleep", bp::args = {"0.1"});
  double waited = 0;
  std::thread([&] {
    const auto from = Clock::now();
    sleeper.wait_for(1s);
    waited = seconds_since(from);
  }).join();
  EXPECT_GE(waited, 0.9) << "waited from another thread than the one that started it";
}

TEST(HostChild, WaitForReturnsAsSoonAsItHasEnded) {
  auto child = HostChild::start({.argv = {"/bin/true"}});
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child->pid()), &info, WEXITED | WNOWAIT), 0);
  auto start = Clock::now();
  EXPECT_TRUE(child->wait_for(5s));
  EXPECT_LT(seconds_since(start), 1.0);

  auto sleeper = HostChild::start({.argv = {"sleep", "0.1"}});
  double waited = 0;
  std::thread([&] {
    const auto from = Clock::now();
    EXPECT_TRUE(sleeper->wait_for(5s));
    waited = seconds_since(from);
  }).join();
  EXPECT_LT(waited, 1.0);
}

// As the check runner is followed: polled while it runs, its stderr read at the end.
TEST(HostChild, PolledUntilItEndsWithItsStderr) {
  auto child = HostChild::start(shell("echo started; sleep 0.2; echo 'runner broke' >&2; exit 3"));
  int polls = 0;
  while (!child->wait_for(50ms)) ++polls;
  EXPECT_GE(polls, 1);
  EXPECT_TRUE(child->finished());
  EXPECT_EQ(child->wait().describe(), "exited with status 3");
  EXPECT_EQ(child->stderr_text(), "runner broke\n");
  EXPECT_EQ(child->stdout_text(), "started\n");
}

// Boost: a wait for a child's end in an io_context (on_exit) installs a
// process-wide SIGCHLD handler without SA_RESTART: the end of any child, a
// world's program here, interrupts a blocking call of the grader (EINTR).
TEST(BoostProcess174, AsyncExitMakesEveryChildsEndInterruptBlockingCalls) {
  boost::asio::io_context io;
  bp::child waited("/bin/sleep", bp::args = {"0.5"}, io, bp::on_exit([](int, const std::error_code&) {}));
  struct sigaction installed {};
  ::sigaction(SIGCHLD, nullptr, &installed);
  EXPECT_NE(installed.sa_handler, SIG_DFL);
  EXPECT_EQ(installed.sa_flags & SA_RESTART, 0);

  Pipe pipe = Pipe::create();
  SpawnOptions program;
  program.argv = {"/bin/sleep", "0.2"};
  auto other = Process::spawn(program);  // started by this thread: its SIGCHLD comes here
  std::thread writer([&] {
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(::write(pipe.write.get(), "x", 1), 1);
  });
  char byte = 0;
  const ssize_t n = ::read(pipe.read.get(), &byte, 1);
  const int error = errno;
  writer.join();
  EXPECT_EQ(n, -1);
  EXPECT_EQ(error, EINTR);
  other->wait();
  io.run();  // until Boost's own child has ended and its handler is gone
}

TEST(HostChild, LeavesSigchldAlone) {
  auto child = HostChild::start({.argv = {"/bin/sleep", "0.5"}});
  struct sigaction now {};
  ::sigaction(SIGCHLD, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);

  Pipe pipe = Pipe::create();
  SpawnOptions program;
  program.argv = {"/bin/sleep", "0.2"};
  auto other = Process::spawn(program);
  std::thread writer([&] {
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(::write(pipe.write.get(), "x", 1), 1);
  });
  char byte = 0;
  EXPECT_EQ(::read(pipe.read.get(), &byte, 1), 1) << "a child's end interrupted the read";
  writer.join();
  EXPECT_TRUE(other->wait().exited_with(0));
  EXPECT_TRUE(child->wait().exited_with(0));
}

// ---- Starting --------------------------------------------------------------

// Boost: a program that cannot start throws, and leaves its forked child a zombie.
TEST(BoostProcess174, AFailedStartLeavesAZombie) {
  reap_zombie_children();  // none of this test's
  try {
    bp::child child(bp::exe = "/no/such/labgrade-tool");
    ADD_FAILURE() << "it started";
  } catch (const bp::process_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  int reaped = 0;  // it may still be on its way out of _exit
  EXPECT_TRUE(test::eventually([&] { return (reaped += reap_zombie_children()) > 0; }, 5s));
  EXPECT_EQ(reaped, 1);
}

TEST(HostCommand, AProgramThatCannotStartIsAGraderErrorNamingItAndErrno) {
  reap_zombie_children();  // none of this test's
  try {
    run_on_host({.argv = {"/no/such/labgrade-tool", "--version"}});
    ADD_FAILURE() << "it started";
  } catch (const SyscallError& e) {
    EXPECT_STREQ(e.what(), "execve(\"/no/such/labgrade-tool\"): No such file or directory");
    EXPECT_EQ(e.error_number(), ENOENT);
  }
  EXPECT_EQ(reap_zombie_children(), 0) << "the child that failed to execve was left a zombie";

  TempDir dir("labgrade-test-");
  test::write_text(dir.path() / "script", "#!/bin/sh\n");  // not executable
  try {
    run_on_host({.argv = {(dir.path() / "script").string()}});
    ADD_FAILURE() << "it started";
  } catch (const SyscallError& e) {
    EXPECT_EQ(e.error_number(), EACCES) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("execve(\"" + (dir.path() / "script").string() + "\")"));
  }
}

TEST(HostCommand, ANameIsLookedUpInItsPath) {
  EXPECT_EQ(run_on_host({.argv = {"sh", "-c", "exit 3"}}).describe(), "exited with status 3");
  HostCommand command{.argv = {"sh", "-c", "exit 3"}, .env = std::vector<std::string>{"PATH=/no/such/dir"}};
  EXPECT_EQ(resolve_host_program(command), "");
  try {
    run_on_host(command);
    ADD_FAILURE() << "it started";
  } catch (const SyscallError& e) {
    EXPECT_STREQ(e.what(), "execve(\"sh\", not found in PATH /no/such/dir): No such file or directory");
  }
}

TEST(HostCommand, EnvironmentIsWholeWhenGivenAndTheGradersOtherwise) {
  const HostCommandResult given =
      run_on_host({.argv = {"/usr/bin/env"}, .env = std::vector<std::string>{"LABGRADE_TEST_ONLY=1"}});
  EXPECT_EQ(given.out.bytes, "LABGRADE_TEST_ONLY=1\n");
  const std::string marker = "LABGRADE_TEST_INHERITED_" + test::unique_digits();
  ::setenv(marker.c_str(), "yes", 1);
  const HostCommandResult inherited = run_on_host({.argv = {"/usr/bin/env"}});
  ::unsetenv(marker.c_str());
  EXPECT_THAT(inherited.out.bytes, HasSubstr(marker + "=yes\n"));
}

// Boost: start_dir ignores a failed chdir: the program runs in the grader's folder.
TEST(BoostProcess174, StartDirIgnoresAFailedChdir) {
  bp::ipstream out;
  bp::child child(bp::exe = "/bin/pwd", bp::start_dir = "/no/such/labgrade-dir", bp::std_out > out);
  std::string line;
  std::getline(out, line);
  child.wait();
  EXPECT_EQ(child.exit_code(), 0);
  EXPECT_EQ(line, fs::current_path().string());
}

TEST(HostCommand, RunsInItsWorkingDirectoryOrNotAtAll) {
  TempDir dir("labgrade-test-");
  EXPECT_EQ(run_on_host({.argv = {"/bin/pwd"}, .cwd = dir.path()}).out.bytes, dir.path().string() + "\n");
  try {
    run_on_host({.argv = {"/bin/pwd"}, .cwd = "/no/such/labgrade-dir"});
    ADD_FAILURE() << "it ran elsewhere";
  } catch (const SyscallError& e) {
    EXPECT_STREQ(e.what(), "open(\"/no/such/labgrade-dir\", O_PATH | O_DIRECTORY (the working directory of /bin/pwd)): "
                           "No such file or directory");
  }
}

// Boost: its pipes are made without O_CLOEXEC, and its children inherit
// every descriptor: a child started meanwhile by another thread holds the
// write end of this one's stdout, whose reader then waits for that child too.
TEST(BoostProcess174, ItsPipesAreInheritedByEveryChild) {
  bp::pipe pipe;
  EXPECT_EQ(::fcntl(pipe.native_source(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(::fcntl(pipe.native_sink(), F_GETFD) & FD_CLOEXEC, 0);
  bp::ipstream out;
  bp::child child(bp::exe = "/bin/ls", bp::args = {"/proc/self/fd"}, bp::std_out > out);
  std::string listed, line;
  while (std::getline(out, line)) listed += line + " ";
  child.wait();
  EXPECT_THAT(listed, HasSubstr(" " + std::to_string(pipe.native_sink()) + " "));
}

TEST(HostCommand, InheritsNoDescriptorOfTheGrader) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // inheritable, as another library's might be
  const HostCommandResult r = run_on_host({.argv = {"/bin/ls", "/proc/self/fd"}});
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(r.out.bytes, "0\n1\n2\n3\n") << "3 is ls's own listing of the folder";
}

TEST(HostCommand, EmptyArgvIsAGraderError) { EXPECT_THROW(run_on_host(HostCommand{}), GraderError); }

}  // namespace
}  // namespace labgrade
