// One program started on the host: how it ended, in words; its stdin and
// output through the pump (no deadlock, capped); its time limit; the errors
// of a spawn that cannot happen.
#include "labgrade/process.hpp"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/unique_fd.hpp"
#include "c_program.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

SpawnOptions shell(const std::string& script, double time_limit = 5.0) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.time_limit = time_limit;
  return options;
}

TEST(Process, ExitStatusIsReported) {
  auto p = Process::spawn(shell("exit 7"));
  const ProcessResult& r = p->wait();
  EXPECT_EQ(r.ending, ProcessResult::Ending::exited);
  EXPECT_EQ(r.exit_status, 7);
  EXPECT_TRUE(r.exited_with(7));
  EXPECT_FALSE(r.exited_with(0));
  EXPECT_EQ(r.describe(), "exited with status 7");
  EXPECT_TRUE(p->finished());
  EXPECT_EQ(p->name(), "sh");
}

TEST(Process, StdoutAndStderrAreCapturedApart) {
  auto p = Process::spawn(shell("printf out; printf err >&2"));
  EXPECT_TRUE(p->wait().exited_with(0));
  EXPECT_EQ(p->stdout_text(), "out");
  EXPECT_EQ(p->stderr_text(), "err");
  EXPECT_FALSE(p->stdout_captured().truncated());
}

TEST(Process, KilledBySignalSaysWhich) {
  auto p = Process::spawn(shell("kill -SEGV $$"));
  const ProcessResult& r = p->wait();
  EXPECT_EQ(r.ending, ProcessResult::Ending::signaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_THAT(r.describe(), HasSubstr("killed by SIGSEGV"));
  EXPECT_FALSE(r.exited_with(0));
}

TEST(Process, SignalNamesAreShort) {
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
}

TEST(Process, HangEndsAtTheTimeLimit) {
  const auto start = Clock::now();
  auto p = Process::spawn(shell("sleep 10", 0.3));
  const ProcessResult& r = p->wait();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.ending, ProcessResult::Ending::timed_out);
  EXPECT_EQ(r.describe(), "timed out after 0.3 s");
  EXPECT_GE(seconds, 0.3);
  EXPECT_LT(seconds, 3.0) << "the time limit was 0.3 s";
  EXPECT_GE(r.wall_seconds, 0.3);
}

TEST(Process, TimeLimitKillsTheWholeGroup) {
  // The shell's child keeps stdout open: the time limit must end both, and
  // wait() must not wait for an EOF that never comes.
  test::MarkedProcessReaper sleepers("1000." + test::unique_digits());
  const auto start = Clock::now();
  auto p = Process::spawn(shell("sleep " + sleepers.marker() + "; true", 0.5));
  ASSERT_TRUE(test::eventually([&] { return !test::pids_with_cmdline(sleepers.marker()).empty(); }, 5s));
  EXPECT_EQ(p->wait().ending, ProcessResult::Ending::timed_out);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 3.0);
  EXPECT_TRUE(test::eventually([&] { return test::pids_with_cmdline(sleepers.marker()).empty(); }, 2s))
      << "the sleeping child outlived its group's time limit";
}

TEST(Process, StdinIsEchoedByteForByteWithoutDeadlock) {
  // More than a pipe buffer in both directions at once, with NULs and every byte value.
  std::string input;
  for (std::size_t i = 0; input.size() < (3u << 20); ++i) input += static_cast<char>((i * 7919) % 256);
  input += std::string(5, '\0');
  SpawnOptions options;
  options.argv = {"/bin/cat"};
  options.stdin_file = InputFile::holding(input);
  options.output_cap = 8u << 20;
  options.time_limit = 20.0;
  auto p = Process::spawn(options);
  const ProcessResult& r = p->wait();
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
  Captured out = p->stdout_captured();
  EXPECT_EQ(out.total, input.size());
  EXPECT_FALSE(out.truncated());
  EXPECT_TRUE(out.bytes == input) << "cat's output differs from its input (" << out.bytes.size() << " of "
                                  << input.size() << " bytes came back)";
}

TEST(Process, EmptyStdinIsEndOfFile) {
  SpawnOptions options;
  options.argv = {"/bin/cat"};
  options.stdin_file = InputFile::holding("");
  auto p = Process::spawn(options);
  EXPECT_TRUE(p->wait().exited_with(0));
  EXPECT_EQ(p->stdout_text(), "");
}

TEST(Process, WithoutStdinBytesStdinIsDevNull) {
  auto p = Process::spawn(shell("cat; echo end"));
  EXPECT_TRUE(p->wait().exited_with(0));
  EXPECT_EQ(p->stdout_text(), "end\n");
}

TEST(Process, InteractiveStdinAnswersLineByLine) {
  SpawnOptions options;
  options.argv = {"/bin/cat"};
  options.interactive_stdin = true;
  auto p = Process::spawn(options);
  p->write_stdin("ping\n");
  EXPECT_TRUE(p->wait_for_stdout([](const std::string& out) { return out == "ping\n"; }, 5s));
  p->write_stdin("pong\n");
  EXPECT_TRUE(p->wait_for_stdout([](const std::string& out) { return out == "ping\npong\n"; }, 5s));
  EXPECT_FALSE(p->finished());
  p->close_stdin();
  ASSERT_TRUE(p->wait_for(5s)) << "cat did not see the end of its stdin";
  EXPECT_TRUE(p->wait().exited_with(0));
}

TEST(Process, OutputOverTheCapIsCutButCounted) {
  SpawnOptions options = shell("head -c 3000000 /dev/zero; echo finished >&2");
  options.output_cap = 1000;
  auto p = Process::spawn(options);
  const ProcessResult& r = p->wait();
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
  Captured out = p->stdout_captured();
  EXPECT_TRUE(out.truncated());
  EXPECT_EQ(out.bytes, std::string(1000, '\0'));
  EXPECT_EQ(out.total, 3000000u);
  EXPECT_EQ(p->stderr_text(), "finished\n");
}

TEST(Process, MissingProgramIsASyscallErrorNamingExecveAndThePath) {
  const std::string path = "/nonexistent/labgrade-no-such-program-" + test::unique_digits();
  SpawnOptions options;
  options.argv = {path, "--flag"};
  try {
    Process::spawn(options);
    ADD_FAILURE() << "spawning " << path << " did not throw";
  } catch (const SyscallError& e) {
    EXPECT_THAT(e.what(), HasSubstr("execve"));
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_EQ(e.error_number(), ENOENT);
  }
}

// A program just built, still open for writing for a moment in another
// process (a child another thread started, which inherited the descriptor
// and has not reached its execve yet): it runs once that lets go, rather
// than failing with "Text file busy".
TEST(Process, AProgramBusyForAMomentRunsOnceItIsFree) {
  TempDir dir("labgrade-txtbsy-");
  const std::filesystem::path program = dir.path() / "prog";
  std::filesystem::copy_file("/bin/true", program);
  const std::string holder = "exec 3>>'" + program.string() + "'; echo ready; exec sleep 0.05";
  FILE* held = ::popen(("sh -c \"" + holder + "\"").c_str(), "r");
  ASSERT_NE(held, nullptr);
  char line[16] = {};
  ASSERT_NE(std::fgets(line, sizeof line, held), nullptr) << "the holder never opened the program";
  SpawnOptions options;
  options.argv = {program.string()};
  auto p = Process::spawn(options);
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  ::pclose(held);
}

TEST(Process, BadWorkingDirectoryNamesChdir) {
  SpawnOptions options = shell("true");
  options.cwd = "/nonexistent/labgrade-no-such-dir-" + test::unique_digits();
  try {
    Process::spawn(options);
    ADD_FAILURE() << "a missing cwd did not throw";
  } catch (const SyscallError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chdir"));
    EXPECT_EQ(e.error_number(), ENOENT);
  }
}

TEST(Process, EmptyArgvIsAGraderError) {
  EXPECT_THROW(Process::spawn(SpawnOptions{}), GraderError);
}

TEST(Process, EnvironmentAndWorkingDirectoryAreThoseGiven) {
  TempDir dir("labgrade-test-");
  SpawnOptions options = shell("echo \"$GREETING\"; pwd; echo \"${HOME-unset}\"");
  options.env = {"GREETING=hello there", "PATH=/usr/bin:/bin"};
  options.cwd = dir.path();
  auto p = Process::spawn(options);
  EXPECT_TRUE(p->wait().exited_with(0));
  EXPECT_EQ(p->stdout_text(), "hello there\n" + dir.path().string() + "\nunset\n");
}

TEST(Process, ResourceLimitsApplyBeforeExec) {
  SpawnOptions options = shell("ulimit -n; ulimit -c");
  options.limits.open_files = 17;
  auto p = Process::spawn(options);
  EXPECT_TRUE(p->wait().exited_with(0));
  EXPECT_EQ(p->stdout_text(), "17\n0\n");  // and no core files, ever
}

TEST(Process, DescribeSaysHowItEndedInWords) {
  ProcessResult r;
  r.ending = ProcessResult::Ending::signaled;
  r.signal = SIGXCPU;
  EXPECT_THAT(r.describe(), HasSubstr("killed by SIGXCPU"));
  EXPECT_THAT(r.describe(), HasSubstr("CPU time limit exceeded"));
  r.signal = SIGXFSZ;
  EXPECT_THAT(r.describe(), HasSubstr("file size limit exceeded"));
  r.ending = ProcessResult::Ending::timed_out;
  r.time_limit = 2;
  EXPECT_EQ(r.describe(), "timed out after 2 s");
  r.ending = ProcessResult::Ending::exited;
  r.exit_status = 0;
  EXPECT_EQ(r.describe(), "exited with status 0");
}

TEST(Process, KillEndsItNow) {
  auto p = Process::spawn(shell("sleep 10", 10.0));
  p->kill();
  const ProcessResult& r = p->wait();
  EXPECT_EQ(r.ending, ProcessResult::Ending::signaled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.wall_seconds, 5.0);
}

TEST(Process, SignalIsDelivered) {
  auto p = Process::spawn(shell("trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done", 10.0));
  ASSERT_TRUE(p->wait_for_stdout([](const std::string& out) { return out == "ready\n"; }, 5s));
  p->signal(SIGTERM);
  EXPECT_TRUE(p->wait().exited_with(42)) << p->wait().describe();
}

// process.hpp: "Kills it and its process group now" and "no process outlives
// its handle". A background child left in the program's group (here: after
// the program itself exited) must end with the handle too.
TEST(Process, KillEndsWhatTheProgramLeftInItsGroup) {
  test::MarkedProcessReaper sleepers("1000." + test::unique_digits());
  const std::string sleeper = std::string("sleep") + '\0' + sleepers.marker();
  auto p = Process::spawn(shell("sleep " + sleepers.marker() + " >/dev/null 2>&1 & exit 0"));
  ASSERT_TRUE(p->wait().exited_with(0));
  ASSERT_TRUE(test::eventually([&] { return !test::pids_with_cmdline(sleeper).empty(); }, 5s));
  p->kill();
  EXPECT_TRUE(test::eventually([&] { return test::pids_with_cmdline(sleeper).empty(); }, 2s))
      << "the program's background child outlived Process::kill()";
}

TEST(Process, DestructorKillsAndReaps) {
  test::MarkedProcessReaper sleepers("1000." + test::unique_digits());
  pid_t pid = -1;
  {
    SpawnOptions options;
    options.argv = {"/bin/sleep", sleepers.marker()};
    options.time_limit = 60.0;
    auto p = Process::spawn(options);
    pid = p->pid();
    ASSERT_TRUE(test::eventually([&] { return !test::pids_with_cmdline(sleepers.marker()).empty(); }, 5s));
  }
  EXPECT_TRUE(test::pids_with_cmdline(sleepers.marker()).empty());
  EXPECT_EQ(test::process_state(pid), 0) << "pid " << pid << " is still there (a zombie?)";
}


TEST(InputFile, EachRunReadsItWholeFromTheStart) {
  InputFile input = InputFile::written([](const InputFile::Append& append) {
    append("one\n");
    append("");
    append("two\n");
  });
  EXPECT_EQ(input.bytes(), "one\ntwo\n");
  for (int run = 0; run < 2; ++run) {
    SpawnOptions options;
    options.argv = {"/bin/cat"};
    options.stdin_file = input;
    auto p = Process::spawn(options);
    EXPECT_TRUE(p->wait().exited_with(0));
    EXPECT_EQ(p->stdout_text(), "one\ntwo\n") << "run " << run;
  }
}

TEST(InputFile, AProgramCannotChangeItsInput) {
  InputFile input = InputFile::holding("the items to check against\n");
  SpawnOptions options;
  // Through its own fd 0 and through a writable reopening: both refused.
  options.argv = {"/bin/sh", "-c", "echo x >&0; echo y > /proc/self/fd/0; cat"};
  options.stdin_file = input;
  auto p = Process::spawn(options);
  p->wait();
  EXPECT_EQ(p->stdout_text(), "the items to check against\n");
  EXPECT_EQ(input.bytes(), "the items to check against\n");
}


TEST(SeccompFilter, OrdinaryProgramsRunAndARefusedCallKills) {
  SpawnOptions options;
  options.seccomp = &SeccompFilter::for_programs();
  options.argv = {"/bin/sh", "-c", "echo fine | cat"};
  auto ok = Process::spawn(options);
  EXPECT_TRUE(ok->wait().exited_with(0)) << ok->wait().describe();
  EXPECT_EQ(ok->stdout_text(), "fine\n");
  options.argv = {"/usr/bin/unshare", "--user", "/bin/true"};  // unshare(2): refused
  if (!std::filesystem::exists(options.argv[0])) GTEST_SKIP() << "no unshare(1) here";
  auto refused = Process::spawn(options);
  const ProcessResult& r = refused->wait();
  EXPECT_EQ(r.ending, ProcessResult::Ending::signaled);
  EXPECT_EQ(r.signal, SIGSYS);
  EXPECT_THAT(r.describe(), ::testing::HasSubstr("a system call that lab programs may not make"));
}

TEST(CountForks, EveryNewProcessOfTheTreeIsCountedThreadsAreNot) {
  if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
  TempDir scratch("labgrade-test-");
  // Two forks, a child that forks once more, system() (posix_spawn: clone3, then clone), and a thread.
  auto exe = test::compile_c(scratch.path(), "forker",
                             "#include <pthread.h>\n#include <stdlib.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
                             "static void* idle(void* a) { return a; }\n"
                             "int main(void) { pthread_t t; pthread_create(&t, 0, idle, 0); pthread_join(t, 0);\n"
                             "  if (fork() == 0) { if (fork() == 0) _exit(0); wait(0); _exit(0); }\n"
                             "  if (fork() == 0) _exit(0);\n"
                             "  while (wait(0) > 0) {}\n"
                             "  return system(\"exit 0\"); }\n");
  SpawnOptions options;
  options.argv = {exe.string()};
  options.count_forks = true;
  auto p = Process::spawn(options);
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe() << p->stderr_text();
  EXPECT_EQ(p->forks_made(), 4) << "fork, fork, the child's fork and system()'s shell; not the thread";
  options.count_forks = false;
  EXPECT_EQ(Process::spawn(options)->forks_made(), -1);
}

// A check with many programs alive holds hundreds of descriptors: a new
// program with a low RLIMIT_NOFILE still gets its seccomp listener, and
// inherits none of them.
TEST(CountForks, AGraderHoldingManyDescriptorsStillStartsAWatchedProgram) {
  std::vector<UniqueFd> held;
  for (int i = 0; i < 200; ++i) held.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  SpawnOptions options;
  options.argv = {"/bin/ls", "/proc/self/fd"};
  options.count_forks = true;
  options.limits.open_files = 16;
  auto p = Process::spawn(options);
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe() << p->stderr_text();
  const std::string listed = p->stdout_text();
  EXPECT_LE(std::count(listed.begin(), listed.end(), '\n'), 4) << "0, 1, 2 and the directory ls reads: " << listed;
}

}  // namespace
}  // namespace labgrade
