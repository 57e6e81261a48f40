// The clock shim end to end: C programs linked with framework/shims/labgrade_clock.c
// tell the grader when they fall asleep (and when they call shmdt), sleep only
// until the grader wakes them or their scaled time passes, and, run outside
// labgrade, behave as they always did. Every test here runs in well under a
// second although its programs ask for sleeps of seconds: that is the point.
#include "labgrade/clock_channel.hpp"

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/ipc_inspector.hpp"
#include "labgrade/process.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Whether the program has ended, as the kernel says it now (its pidfd is
// readable). Process::finished() follows a moment later, when the pump has
// collected the result.
bool has_ended(const Process& p) {
  pollfd fd{p.pidfd(), POLLIN, 0};
  return ::poll(&fd, 1, 0) == 1;
}

// What a check may take to see a sleep, or to see the program end after a wake.
constexpr auto k_patience = 5s;
// How fast the shim must make a program that asks for seconds of sleep.
constexpr double k_fast = 1.0;

// The seconds a program printed as "elapsed S".
double printed_elapsed(const std::string& out) {
  std::istringstream in(out);
  std::string word;
  double seconds = -1;
  while (in >> word) {
    if (word == "elapsed") in >> seconds;
  }
  return seconds;
}

// A monotonic stopwatch for the programs: they time their own sleeps.
const std::string k_stopwatch = R"(
#include <time.h>
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
)";


// A program under the grader's control of time: its process and the grader's channel.
struct Controlled {
  std::shared_ptr<ClockChannel> clock;
  std::shared_ptr<Process> process;
};

class ClockShim : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
  }

  fs::path build(const std::string& name, const std::string& source, test::ClockShim shim = test::with_clock_shim) {
    return test::compile_c(m_scratch.path(), name, source, shim);
  }

  // SpawnOptions that hand the program its end of `program_end` as labgrade does.
  static SpawnOptions controlled_options(const fs::path& exe, const UniqueFd& program_end, double scale) {
    SpawnOptions options;
    options.argv = {exe.string()};
    options.env = {"PATH=/usr/bin:/bin", ClockChannel::env_fd(), ClockChannel::env_scale(scale)};
    options.pass_fds = {{program_end.get(), ClockChannel::k_program_fd}};
    options.time_limit = 5.0;
    return options;
  }

  // Starts `exe` on the host under the grader's control of time. The grader's
  // copy of the program's end is closed on return: the program holds the only one.
  static Controlled start(const fs::path& exe, double scale, bool interactive = false) {
    auto [clock, program_end] = ClockChannel::create();
    SpawnOptions options = controlled_options(exe, program_end, scale);
    options.interactive_stdin = interactive;
    return {clock, Process::spawn(options)};
  }

  TempDir m_scratch{"labgrade-test-"};
};

const std::string k_sleeper = R"(
#include <stdio.h>
#include <unistd.h>
int main(void) {
  unsigned left = sleep(10);
  printf("done %u\n", left);
  return 0;
}
)";

// (a) The grader sees the sleep at once, the program waits for its wake-up,
// then ends at once: a 10-second sleep costs a check no time at all.
TEST_F(ClockShim, SleepIsReportedAndEndsWhenWoken) {
  const fs::path exe = build("sleeper", k_sleeper);
  const auto start_time = Clock::now();
  Controlled run = start(exe, 1.0);

  ASSERT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience))
      << "no sleep reported; the program " << (run.process->finished() ? run.process->wait().describe() : "runs");
  EXPECT_LT(seconds_since(start_time), k_fast) << "the sleep was reported late";
  EXPECT_FALSE(has_ended(*run.process)) << "the program went on without being woken: " << run.process->wait().describe();
  EXPECT_EQ(run.process->stdout_text().find("done"), std::string::npos);
  ASSERT_EQ(run.clock->events().size(), 1u);
  EXPECT_EQ(run.clock->events()[0].kind, 'S');
  EXPECT_EQ(run.clock->events()[0].call, "sleep");
  EXPECT_DOUBLE_EQ(run.clock->events()[0].seconds, 10.0);

  const auto woken = Clock::now();
  run.clock->wake();
  ASSERT_TRUE(run.process->wait_for(k_patience)) << "the program did not end after its wake-up";
  EXPECT_LT(seconds_since(woken), k_fast);
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  EXPECT_EQ(run.process->stdout_text(), "done 0\n");
  EXPECT_LT(seconds_since(start_time), k_fast) << "sleep(10) under the grader's control took that long";
  EXPECT_FALSE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience)) << "it slept only once";
}

// (b) Nobody wakes it: the sleep lasts its time times the scale.
TEST_F(ClockShim, UnwokenSleepLastsItsScaledTime) {
  const fs::path exe = build("timed_sleeper", k_stopwatch + R"(
#include <stdio.h>
#include <unistd.h>
int main(void) {
  double start = now();
  sleep(10);
  printf("elapsed %.4f\n", now() - start);
  return 0;
}
)");
  const auto start_time = Clock::now();
  Controlled run = start(exe, 0.01);
  ASSERT_TRUE(run.process->wait_for(k_patience)) << "sleep(10) at scale 0.01 did not end by itself";
  const double total = seconds_since(start_time);
  ASSERT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  const double slept = printed_elapsed(run.process->stdout_text());
  EXPECT_GE(slept, 0.05) << "sleep(10) at scale 0.01 should last about 0.1 s";
  EXPECT_LT(slept, k_fast);
  EXPECT_LT(total, k_fast);
  EXPECT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience))
      << "the sleep was never reported";
}

// (c) Every sleeping call is reported by name with the seconds it asked for,
// and returns success when woken.
struct SleepCall {
  std::string label;      // the test's name
  std::string call;       // as reported
  std::string statement;  // C code that sets `int rc` (0: success, as the call's own contract says)
  double seconds;         // what the grader is told
  double tolerance;       // for absolute deadlines, computed from the clock
};

void PrintTo(const SleepCall& c, std::ostream* os) { *os << c.label; }

class SleepCalls : public ClockShim, public ::testing::WithParamInterface<SleepCall> {};

TEST_P(SleepCalls, AreReportedAndReleased) {
  const SleepCall& c = GetParam();
  const fs::path exe = build("caller", R"(
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(void) {
  )" + c.statement + R"(
  printf("rc %d\n", rc);
  return 0;
}
)");
  const auto start_time = Clock::now();
  Controlled run = start(exe, 1.0);
  ASSERT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience))
      << c.call << " was not reported; the program "
      << (run.process->finished() ? run.process->wait().describe() + ": " + run.process->stderr_text() : "runs");
  EXPECT_FALSE(has_ended(*run.process)) << c.call << " returned before the wake-up";
  const auto& events = run.clock->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, 'S');
  EXPECT_EQ(events[0].call, c.call);
  EXPECT_NEAR(events[0].seconds, c.seconds, c.tolerance);

  run.clock->wake();
  ASSERT_TRUE(run.process->wait_for(k_patience)) << c.call << " was not released by the wake-up";
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  EXPECT_EQ(run.process->stdout_text(), "rc 0\n");
  EXPECT_LT(seconds_since(start_time), k_fast);
}

INSTANTIATE_TEST_SUITE_P(
    ClockShim, SleepCalls,
    ::testing::Values(
        SleepCall{"usleep", "usleep", "int rc = usleep(2500000);", 2.5, 1e-9},
        SleepCall{"nanosleep", "nanosleep",
                  "struct timespec req = {3, 500000000}, rem = {9, 9};\n"
                  "  int rc = nanosleep(&req, &rem);\n"
                  "  if (rc == 0 && (rem.tv_sec != 0 || rem.tv_nsec != 0)) rc = 100;",
                  3.5, 1e-9},
        SleepCall{"clock_nanosleep_relative", "clock_nanosleep",
                  "struct timespec req = {4, 250000000};\n"
                  "  int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);",
                  4.25, 1e-9},
        SleepCall{"clock_nanosleep_absolute_monotonic", "clock_nanosleep",
                  "struct timespec req;\n"
                  "  clock_gettime(CLOCK_MONOTONIC, &req);\n"
                  "  req.tv_sec += 6;\n"
                  "  int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL);",
                  6.0, 0.5},
        SleepCall{"clock_nanosleep_absolute_realtime", "clock_nanosleep",
                  "struct timespec req;\n"
                  "  clock_gettime(CLOCK_REALTIME, &req);\n"
                  "  req.tv_sec += 7;\n"
                  "  int rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &req, NULL);",
                  7.0, 0.5}),
    [](const ::testing::TestParamInfo<SleepCall>& p) { return p.param.label; });

// A deadline already past is a sleep of no time: reported as 0 s, over at once.
TEST_F(ClockShim, AbsoluteDeadlineInThePastIsASleepOfNoTime) {
  const fs::path exe = build("past", R"(
#include <stdio.h>
#include <time.h>
int main(void) {
  struct timespec req;
  clock_gettime(CLOCK_MONOTONIC, &req);
  req.tv_sec -= 1;
  int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL);
  printf("rc %d\n", rc);
  return 0;
}
)");
  Controlled run = start(exe, 1.0);
  ASSERT_TRUE(run.process->wait_for(k_patience)) << "nobody woke it, and it had nothing to wait for";
  EXPECT_EQ(run.process->stdout_text(), "rc 0\n");
  ASSERT_EQ(run.clock->events().size(), 1u);
  EXPECT_EQ(run.clock->events()[0].call, "clock_nanosleep");
  EXPECT_DOUBLE_EQ(run.clock->events()[0].seconds, 0.0);
}

// Each sleep is seen once: the grader follows a program that sleeps again.
TEST_F(ClockShim, SuccessiveSleepsAreSeenOneByOne) {
  const fs::path exe = build("twice", R"(
#include <stdio.h>
#include <unistd.h>
int main(void) {
  sleep(10);
  printf("first\n");
  fflush(stdout);
  usleep(3000000);
  printf("second\n");
  return 0;
}
)");
  const auto start_time = Clock::now();
  Controlled run = start(exe, 1.0);
  ASSERT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience));
  run.clock->wake();
  ASSERT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience)) << "the second sleep was missed";
  EXPECT_TRUE(run.process->wait_for_stdout([](const std::string& out) { return out == "first\n"; }, k_patience));
  EXPECT_FALSE(has_ended(*run.process));
  ASSERT_EQ(run.clock->events().size(), 2u);
  EXPECT_EQ(run.clock->events()[1].call, "usleep");
  EXPECT_DOUBLE_EQ(run.clock->events()[1].seconds, 3.0);
  run.clock->wake();
  ASSERT_TRUE(run.process->wait_for(k_patience));
  EXPECT_EQ(run.process->stdout_text(), "first\nsecond\n");
  EXPECT_LT(seconds_since(start_time), k_fast);
}

// clock_channel.hpp: wake() "ends the program's current (or next) sleep".
TEST_F(ClockShim, WakeBeforeTheSleepEndsTheNextSleep) {
  const fs::path exe = build("sleeper", k_sleeper);
  const auto start_time = Clock::now();
  Controlled run = start(exe, 1.0);
  run.clock->wake();
  ASSERT_TRUE(run.process->wait_for(k_patience)) << "the early wake-up was lost: sleep(10) went on";
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  EXPECT_EQ(run.process->stdout_text(), "done 0\n");
  EXPECT_LT(seconds_since(start_time), k_fast);
}

// A signal handler interrupts a controlled sleep as it does a real one. The
// program catches SIGUSR1 (no SA_RESTART), then sleeps: sleep(10) with the
// argument "sleep", usleep(9 s) otherwise; it prints what the call returned.
const std::string k_interrupted = R"(
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t got = 0;
static void on_usr1(int sig) { (void)sig; got = 1; }
int main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;  /* no SA_RESTART */
  sigaction(SIGUSR1, &sa, NULL);
  long rc;
  int err = 0;
  if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
    rc = (long)sleep(10);
  } else {
    rc = usleep(9000000);
    err = errno;
  }
  printf("got %d rc %ld %s\n", (int)got, rc, rc == -1 ? strerrorname_np(err) : "-");
  return 0;
}
)";

// Signals the program until it ends: one of them lands inside its sleep
// (a signal that comes just before the sleep starts is not the point here).
void signal_until_it_ends(Process& p) {
  EXPECT_TRUE(test::eventually(
      [&] {
        p.signal(SIGUSR1);
        return p.finished();
      },
      k_patience))
      << "the signals did not end its sleep";
}

TEST_F(ClockShim, SignalInterruptsUsleepWithEintr) {
  const fs::path exe = build("interrupted", "#define _GNU_SOURCE\n" + k_interrupted);
  Controlled run = start(exe, 1.0);
  ASSERT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience));
  signal_until_it_ends(*run.process);
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  EXPECT_EQ(run.process->stdout_text(), "got 1 rc -1 EINTR\n");
}

// sleep(3): "the number of seconds left to sleep, if the call was interrupted
// by a signal handler". A program that sleeps on after a signal
// (`while ((left = sleep(left)) > 0)`) relies on it.
TEST_F(ClockShim, SignalInterruptedSleepReturnsTheSecondsLeft) {
  const fs::path exe = build("interrupted", "#define _GNU_SOURCE\n" + k_interrupted);
  auto [clock, program_end] = ClockChannel::create();
  SpawnOptions options = controlled_options(exe, program_end, 1.0);
  options.argv.push_back("sleep");
  auto p = Process::spawn(options);
  program_end.reset();
  ASSERT_TRUE(clock->wait_for_sleep(*p, Clock::now() + k_patience));
  signal_until_it_ends(*p);
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  long left = -1;
  std::sscanf(p->stdout_text().c_str(), "got 1 rc %ld", &left);
  EXPECT_GT(left, 0) << "sleep(10) interrupted at once said it slept it all: " << p->stdout_text();
  EXPECT_LE(left, 10);
}

// (d) A program that never sleeps is untouched: the same output as without the
// shim; and waiting for its sleep ends when it does.
TEST_F(ClockShim, ProgramThatNeverSleepsIsUnaffected) {
  const std::string source = R"(
#include <stdio.h>
int main(int argc, char **argv) {
  long sum = 0;
  for (int i = 1; i <= 100; ++i) sum += (long)i * i;
  printf("%s: sum of squares %ld\n", argc > 1 ? argv[1] : "?", sum);
  fprintf(stderr, "to stderr\n");
  return 0;
}
)";
  const fs::path plain = build("plain", source, test::without_clock_shim);
  const fs::path shimmed = build("shimmed", source, test::with_clock_shim);

  SpawnOptions options;
  options.argv = {plain.string(), "x"};
  auto without = Process::spawn(options);
  ASSERT_TRUE(without->wait().exited_with(0)) << without->wait().describe();

  auto [clock, program_end] = ClockChannel::create();
  options = controlled_options(shimmed, program_end, 1.0);
  options.argv.push_back("x");
  auto with = Process::spawn(options);
  program_end.reset();
  const auto start_time = Clock::now();
  EXPECT_FALSE(clock->wait_for_sleep(*with, Clock::now() + k_patience)) << "it never sleeps";
  EXPECT_LT(seconds_since(start_time), k_fast) << "wait_for_sleep did not notice that the program had ended";
  EXPECT_TRUE(has_ended(*with));
  EXPECT_TRUE(with->wait().exited_with(0)) << with->wait().describe();
  EXPECT_EQ(with->stdout_text(), without->stdout_text());
  EXPECT_EQ(with->stdout_text(), "x: sum of squares 338350\n");
  EXPECT_EQ(with->stderr_text(), without->stderr_text());
  EXPECT_TRUE(clock->events().empty());
  EXPECT_FALSE(clock->called("shmdt"));
}

// A program that runs on without sleeping: wait_for_sleep gives up at its deadline.
TEST_F(ClockShim, WaitForSleepEndsAtItsDeadline) {
  const fs::path exe = build("reader", R"(
#include <stdio.h>
int main(void) {
  int c;
  while ((c = getchar()) != EOF) {
  }
  puts("eof");
  return 0;
}
)");
  Controlled run = start(exe, 1.0, /*interactive=*/true);
  const auto start_time = Clock::now();
  EXPECT_FALSE(run.clock->wait_for_sleep(*run.process, start_time + 200ms));
  const double waited = seconds_since(start_time);
  EXPECT_GE(waited, 0.2);
  EXPECT_LT(waited, k_fast);
  EXPECT_FALSE(has_ended(*run.process));
  run.process->close_stdin();
  ASSERT_TRUE(run.process->wait_for(k_patience));
  EXPECT_EQ(run.process->stdout_text(), "eof\n");
}

const std::string k_real_sleeper = k_stopwatch + R"(
#include <stdio.h>
#include <unistd.h>
int main(void) {
  double start = now();
  int rc = usleep(200000);
  printf("rc %d elapsed %.4f\n", rc, now() - start);
  return 0;
}
)";

// (e) Outside labgrade (no LABGRADE_CLOCK_FD) the shim is the real call.
TEST_F(ClockShim, WithoutTheGraderSleepsForReal) {
  const fs::path exe = build("real_sleeper", k_real_sleeper);
  SpawnOptions options;
  options.argv = {exe.string()};
  options.env = {"PATH=/usr/bin:/bin"};
  auto p = Process::spawn(options);
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  EXPECT_THAT(p->stdout_text(), ::testing::StartsWith("rc 0 "));
  EXPECT_GE(printed_elapsed(p->stdout_text()), 0.18) << "usleep(200000) did not sleep: " << p->stdout_text();
}

// LABGRADE_CLOCK_FD naming a descriptor nobody handed over: the real call too.
TEST_F(ClockShim, WithAClosedChannelDescriptorSleepsForReal) {
  const fs::path exe = build("real_sleeper", k_real_sleeper);
  SpawnOptions options;
  options.argv = {exe.string()};
  options.env = {"PATH=/usr/bin:/bin", ClockChannel::env_fd(), ClockChannel::env_scale(0.01)};
  auto p = Process::spawn(options);
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  EXPECT_GE(printed_elapsed(p->stdout_text()), 0.18) << "usleep(200000) did not sleep: " << p->stdout_text();
}

// (f) shmdt is reported. In a world: whatever happens, no segment reaches the host.
class ClockShimInAWorld : public ClockShim {
 protected:
  void SetUp() override {
    ClockShim::SetUp();
    if (IsSkipped()) return;
    if (detect_isolation() == Isolation::none) {
      GTEST_SKIP() << "no namespaces on this machine: " << isolation_fallback_reason();
    }
  }

  Controlled start_in(World& world, const fs::path& exe, std::vector<std::string> args, double scale) {
    auto [clock, program_end] = ClockChannel::create();
    SpawnOptions options;
    options.argv = {exe.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = {ClockChannel::env_fd(), ClockChannel::env_scale(scale)};
    options.pass_fds = {{program_end.get(), ClockChannel::k_program_fd}};
    options.time_limit = 5.0;
    return {clock, world.spawn(options)};
  }

  static WorldOptions small_world() {
    WorldOptions options;
    options.shm_mb = 4;
    return options;
  }
};

const std::string k_private_segment = R"(
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
int main(int argc, char **argv) {
  int detach = argc > 1 && strcmp(argv[1], "detach") == 0;
  int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  if (id < 0) { perror("shmget"); return 1; }
  char *p = shmat(id, NULL, 0);
  if (p == (void *)-1) { perror("shmat"); shmctl(id, IPC_RMID, NULL); return 1; }
  strcpy(p, "hello");
  if (detach && shmdt(p) != 0) { perror("shmdt"); shmctl(id, IPC_RMID, NULL); return 1; }
  if (shmctl(id, IPC_RMID, NULL) != 0) { perror("shmctl"); return 1; }
  puts(detach ? "detached" : "left attached");
  return 0;
}
)";

TEST_F(ClockShimInAWorld, ShmdtIsReported) {
  const fs::path exe = build("segment", k_private_segment);
  World world(small_world());
  // The host's uid of the world's programs: no other world has it while this one lives.
  const uid_t host_uid = world.isolation() == Isolation::user_namespaces ? ::geteuid() : world.program_uid();
  const std::set<int> host_before = test::host_sysv_shm_ids_of(host_uid);

  Controlled detaches = start_in(world, exe, {"detach"}, 1.0);
  ASSERT_TRUE(detaches.process->wait().exited_with(0))
      << detaches.process->wait().describe() << ": " << detaches.process->stderr_text();
  EXPECT_EQ(detaches.process->stdout_text(), "detached\n");
  EXPECT_TRUE(detaches.clock->called("shmdt"));
  EXPECT_FALSE(detaches.clock->called("shmat")) << "only shmdt is watched";

  Controlled stays = start_in(world, exe, {}, 1.0);
  ASSERT_TRUE(stays.process->wait().exited_with(0))
      << stays.process->wait().describe() << ": " << stays.process->stderr_text();
  EXPECT_EQ(stays.process->stdout_text(), "left attached\n");
  EXPECT_FALSE(stays.clock->called("shmdt")) << "detaching at exit is not a call to shmdt";

  EXPECT_TRUE(sysv_segments(world).empty()) << "the programs remove their segments";
  EXPECT_EQ(test::host_sysv_shm_ids_of(host_uid), host_before) << "a segment of the world reached the host";
}

// The shim's shmdt, outside labgrade, is the real one.
TEST_F(ClockShimInAWorld, ShmdtWithoutTheGraderDetaches) {
  const fs::path exe = build("segment", k_private_segment);
  World world(small_world());
  SpawnOptions options;
  options.argv = {exe.string(), "detach"};
  auto p = world.spawn(options);
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe() << ": " << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "detached\n");
  EXPECT_TRUE(sysv_segments(world).empty());
}

// The way a check runs it: in a world, the channel passed through setns and CLONE_PARENT.
TEST_F(ClockShimInAWorld, SleepInAWorldIsReportedAndWoken) {
  const fs::path exe = build("sleeper", k_sleeper);
  World world(small_world());
  const auto start_time = Clock::now();
  Controlled run = start_in(world, exe, {}, 1.0);
  ASSERT_TRUE(run.clock->wait_for_sleep(*run.process, Clock::now() + k_patience))
      << "no sleep reported; the program " << (run.process->finished() ? run.process->wait().describe() : "runs");
  EXPECT_FALSE(has_ended(*run.process));
  run.clock->wake();
  ASSERT_TRUE(run.process->wait_for(k_patience));
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  EXPECT_EQ(run.process->stdout_text(), "done 0\n");
  EXPECT_LT(seconds_since(start_time), k_fast);
}

// A program that calls a watched function often (a consumer that attaches and
// detaches per item, a producer that naps in its loop) must not stall because
// the grader reads the channel only when a check asks: check.cpp's
// Run::called and Run::exits wait for the end before they read anything.
TEST_F(ClockShimInAWorld, ManyWatchedCallsDoNotBlockTheProgram) {
  const fs::path exe = build("many_detaches", R"(
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
int main(void) {
  int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  if (id < 0) { perror("shmget"); return 1; }
  for (int i = 0; i < 5000; ++i) {
    char *p = shmat(id, NULL, 0);
    if (p == (void *)-1) { perror("shmat"); shmctl(id, IPC_RMID, NULL); return 1; }
    p[0] = (char)i;
    if (shmdt(p) != 0) { perror("shmdt"); shmctl(id, IPC_RMID, NULL); return 1; }
  }
  shmctl(id, IPC_RMID, NULL);
  puts("done");
  return 0;
}
)");
  World world(small_world());
  Controlled run = start_in(world, exe, {}, 1.0);
  ASSERT_TRUE(run.process->wait_for(3s))
      << "5000 shmdt calls stalled the program: nobody read the channel, and the shim's send() blocks "
         "once the socket's buffer is full";
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
  EXPECT_TRUE(run.clock->called("shmdt"));
}

TEST_F(ClockShimInAWorld, ManyShortSleepsDoNotBlockTheProgram) {
  const fs::path exe = build("many_naps", R"(
#include <stdio.h>
#include <unistd.h>
int main(void) {
  for (int i = 0; i < 2000; ++i) usleep(1000);
  puts("done");
  return 0;
}
)");
  World world(small_world());
  Controlled run = start_in(world, exe, {}, 0.0001);
  ASSERT_TRUE(run.process->wait_for(3s))
      << "2000 usleep(1000) at scale 0.0001 stalled the program: nobody read the channel, and the shim's "
         "send() blocks once the socket's buffer is full";
  EXPECT_TRUE(run.process->wait().exited_with(0)) << run.process->wait().describe();
}

// (g) A program that forks: the child inherits the channel and both would
// report on it. Out of scope for the shim as it stands (one program, one channel).

}  // namespace
}  // namespace labgrade
