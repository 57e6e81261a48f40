// /proc files as labgrade reads them: /proc/<pid>/stat split after the
// command name, whatever the name holds.
#include "labgrade/proc_files.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace labgrade {
namespace {

std::string stat_of(pid_t pid) { return "/proc/" + std::to_string(pid) + "/stat"; }

TEST(ProcFiles, StatOfARunningProcess) {
  auto stat = read_proc_stat("/proc/self/stat");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'R');
  EXPECT_GE(stat->cpu_seconds(), 0.0);
}

// A name such as "x) R (y" must not move the fields: the state is read after the last ')'.
TEST(ProcFiles, ANameWithParenthesesAndSpacesDoesNotMoveTheFields) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_NAME, "x) R (y");
    ssize_t ignored = ::write(ready[1], "r", 1);
    (void)ignored;
    ::pause();
    ::_exit(0);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  std::optional<ProcStat> stat;
  for (int i = 0; i < 200; ++i) {  // until it sleeps in pause()
    stat = read_proc_stat(stat_of(child));
    if (stat && stat->state == 'S') break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  siginfo_t info{};
  ::waitid(P_PID, child, &info, WEXITED | WNOWAIT);
  auto zombie = read_proc_stat(stat_of(child));
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'S');
  ASSERT_TRUE(zombie);
  EXPECT_EQ(zombie->state, 'Z');
}

TEST(ProcFiles, AProcessThatHasGoneHasNoStat) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(read_proc_stat(stat_of(child)));
  EXPECT_FALSE(read_proc_file("/proc/" + std::to_string(child) + "/status"));
}

}  // namespace
}  // namespace labgrade
