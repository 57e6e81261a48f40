// A world that can never move again ends its programs at once, with the
// deadlock named; a world that is only slow, or waits on the grader or on a
// signal, is left alone.
#include "labgrade/deadlock_watch.hpp"

#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"

namespace labgrade {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class Deadlock : public ::testing::Test {
 protected:
  void SetUp() override {
    if (detect_isolation() == Isolation::none) GTEST_SKIP() << "no pid namespace: deadlocks are left to the time limit";
    if (!test::have_gcc()) GTEST_SKIP() << "no gcc";
  }
  std::filesystem::path program(const std::string& name, const std::string& body) {
    return test::compile_c(m_scratch.path(), name,
                           "#include <signal.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
                           "#include <sys/wait.h>\n#include <time.h>\n#include <unistd.h>\n" + body);
  }
  std::shared_ptr<Process> run(World& world, const std::filesystem::path& exe, bool interactive = false) {
    SpawnOptions options;
    options.argv = {exe.string()};
    options.time_limit = 10.0;
    options.interactive_stdin = interactive;
    return world.spawn(options);
  }
  // A deadlocked program alone in a world: ended long before its 10 s limit
  // (`awaited`: while the test waits for its end as a check does, Run::wait).
  ProcessResult run_stuck(const std::filesystem::path& exe, bool awaited = false) {
    World world(WorldOptions{});
    auto p = run(world, exe);
    auto wait = [&] {
      if (!awaited) return p->wait();
      Process::Awaiting awaiting = p->awaiting();
      return p->wait();
    };
    ProcessResult r = wait();
    EXPECT_EQ(r.ending, ProcessResult::Ending::timed_out) << r.describe();
    EXPECT_LT(r.wall_seconds, 2.0) << "found long before the 10 s limit";
    EXPECT_THAT(r.describe(), HasSubstr("was stuck after"));
    return r;
  }
  // `exe` alone in a world made with `options`, its end awaited as a check awaits it.
  ProcessResult run_awaited(const std::filesystem::path& exe, const WorldOptions& options,
                            std::vector<std::string> args = {}) {
    World world(options);
    SpawnOptions spawn;
    spawn.argv = {exe.string()};
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.time_limit = 10.0;
    auto p = world.spawn(spawn);
    Process::Awaiting awaiting = p->awaiting();
    return p->wait();
  }
  static WorldOptions spinning_lab() {
    WorldOptions options;
    options.spinning_is_waiting = true;
    return options;
  }
  TempDir m_scratch{"labgrade-test-"};
};

// The pipe lab's classic: the child reads to end of file but never closed
// its own copy of the write end; the parent waits for it.
TEST_F(Deadlock, ChildHoldingItsOwnWriteEndIsFoundAtOnce) {
  auto exe = program("pipe", R"(
int main(void) {
  int fd[2]; pipe(fd);
  if (fork() == 0) { char c; while (read(fd[0], &c, 1) > 0) putchar(c); return 0; }
  close(fd[0]); write(fd[1], "hi\n", 3); close(fd[1]);
  wait(NULL); return 0;
})");
  const ProcessResult r = run_stuck(exe);
  EXPECT_THAT(r.stuck, HasSubstr("waits to read from a pipe whose write end is open only in pipe (pid 3) itself"));
  EXPECT_THAT(r.stuck, HasSubstr("a deadlock: "));
  EXPECT_THAT(r.stuck_advice, HasSubstr("both processes hold both ends of a pipe"));
  EXPECT_THAT(r.stuck, HasSubstr("pipe (pid 2) waits for its child pipe (pid 3)"));
}

// Two processes each writing a megabyte to the other before reading.
TEST_F(Deadlock, TwoWritersFacingFullPipesAreFound) {
  auto exe = program("crossed", R"(
static char block[1 << 20];
int main(void) {
  int ab[2], ba[2]; pipe(ab); pipe(ba);
  if (fork() == 0) { write(ba[1], block, sizeof block); read(ab[0], block, 1); return 0; }
  write(ab[1], block, sizeof block); read(ba[0], block, 1);
  wait(NULL); return 0;
})");
  EXPECT_THAT(run_stuck(exe).stuck, HasSubstr("waits to write to a pipe whose read end is open only in"));
}

// Slow but moving: the writer sleeps between writes; the parent waits for a
// child that sleeps. Neither is a deadlock.
TEST_F(Deadlock, ASlowWriterIsLeftAlone) {
  auto exe = program("slow", R"(
int main(void) {
  int fd[2]; pipe(fd);
  if (fork() == 0) { close(fd[0]); for (int i = 0; i < 3; ++i) { usleep(300000); write(fd[1], "x", 1); } return 0; }
  close(fd[1]); char c; int n = 0; while (read(fd[0], &c, 1) > 0) ++n;
  wait(NULL); printf("%d\n", n); return 0;
})");
  World world(WorldOptions{});
  auto p = run(world, exe);
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  EXPECT_EQ(p->stdout_text(), "3\n");
}

// Waiting on the grader: stdin is a pipe the grader still holds.
TEST_F(Deadlock, WaitingForTheGradersInputIsLeftAlone) {
  auto exe = program("echo", R"(
int main(void) { char line[64]; if (!fgets(line, sizeof line, stdin)) return 1; fputs(line, stdout); return 0; })");
  World world(WorldOptions{});
  auto p = run(world, exe, true);
  std::this_thread::sleep_for(700ms);  // several looks of the watch: it must not end the program
  p->write_stdin("late\n");
  p->close_stdin();
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  EXPECT_EQ(p->stdout_text(), "late\n");
}

// The self-pipe trick: asleep reading a pipe only it can write, from a
// signal handler; the check's signal wakes it.
TEST_F(Deadlock, ASignalHandlerThatWritesToASelfPipeIsLeftAlone) {
  auto exe = program("selfpipe", R"(
static int fds[2];
static void on_usr1(int sig) { (void)sig; write(fds[1], "u", 1); }
int main(void) {
  pipe(fds); signal(SIGUSR1, on_usr1);
  printf("ready\n"); fflush(stdout);
  char c; if (read(fds[0], &c, 1) != 1) return 1;
  printf("woken\n"); return 0;
})");
  World world(WorldOptions{});
  auto p = run(world, exe);
  ASSERT_TRUE(p->wait_for_stdout([](const std::string& out) { return out.find("ready\n") != std::string::npos; }, 5s));
  std::this_thread::sleep_for(700ms);
  p->signal(SIGUSR1);
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  EXPECT_THAT(p->stdout_text(), HasSubstr("woken"));
}

// A FIFO has a name: the check may start its writer later. A reader that
// holds it open for writing too (O_RDWR, so that open does not block) and
// waits is not stuck.
TEST_F(Deadlock, AReaderOfANamedFifoWaitsForTheNextProgram) {
  auto exe = program("fiforeader", R"(
#include <fcntl.h>
#include <sys/stat.h>
int main(void) {
  mkfifo("f", 0600); int fd = open("f", O_RDWR);
  printf("ready\n"); fflush(stdout);
  char c; if (read(fd, &c, 1) != 1) return 1;
  printf("got %c\n", c); return 0;
})");
  World world(WorldOptions{});
  auto reader = run(world, exe);
  ASSERT_TRUE(reader->wait_for_stdout([](const std::string& out) { return out.find("ready\n") != std::string::npos; }, 5s));
  std::this_thread::sleep_for(700ms);
  SpawnOptions writer;
  writer.argv = {"/bin/sh", "-c", "printf x > f"};
  EXPECT_TRUE(world.spawn(writer)->wait().exited_with(0));
  EXPECT_TRUE(reader->wait().exited_with(0)) << reader->wait().describe();
  EXPECT_EQ(reader->stdout_text(), "ready\ngot x\n");
}

// While the check awaits a program's end, a wait that only the world could
// end is stuck once every process sleeps in one: a message queue, a FIFO, a
// futex, a signal. Each is named, with its cause.
TEST_F(Deadlock, AReceiverOfAQueueNobodySendsToIsStuckWhileAwaited) {
  auto exe = program("msg_receiver", R"(
#include <sys/ipc.h>
#include <sys/msg.h>
int main(void) {
  int id = msgget(0x1234, IPC_CREAT | 0600);
  struct { long type; char text[64]; } m;
  return msgrcv(id, &m, sizeof m.text, 0, 0) < 0;
})");
  const ProcessResult r = run_stuck(exe, true);
  EXPECT_THAT(r.stuck, HasSubstr("msg_receiver (pid 2) waits in msgrcv on System V queue 0 for a message; "
                                 "nothing in its world can wake it"));
  EXPECT_THAT(r.stuck_advice, HasSubstr("the sender's key"));
}

TEST_F(Deadlock, AReaderHoldingItsFifoOpenForWritingIsStuckWhileAwaited) {
  auto exe = program("fifo_reader", R"(
#include <fcntl.h>
#include <sys/stat.h>
int main(void) { mkfifo("f", 0600); int fd = open("f", O_RDWR); char c; while (read(fd, &c, 1) > 0) {} return 0; })");
  const ProcessResult r = run_stuck(exe, true);
  EXPECT_THAT(r.stuck, HasSubstr("fifo_reader (pid 2) waits to read from the FIFO /work/f whose write end is open only in "
                                 "fifo_reader (pid 2) itself"));
  EXPECT_THAT(r.stuck_advice, HasSubstr("O_RDONLY"));
}

TEST_F(Deadlock, AWriterOpeningAFifoNobodyReadsIsStuckWhileAwaited) {
  auto exe = program("fifo_writer", R"(
#include <fcntl.h>
#include <sys/stat.h>
int main(void) { mkfifo("/tmp/myfifo", 0600); return open("/tmp/myfifo", O_WRONLY) < 0; })");
  const ProcessResult r = run_stuck(exe, true);
  EXPECT_THAT(r.stuck, HasSubstr("waits in open() for another program to open the other end of the FIFO /tmp/myfifo"));
}

// A name the program chose reaches the report without its control bytes
// (no terminal escape in a student's or an instructor's report).
TEST_F(Deadlock, ANameWithControlBytesIsShownPrintable) {
  auto exe = program("fifo_writer", R"(
#include <fcntl.h>
#include <sys/stat.h>
int main(void) { mkfifo("/tmp/a\033[31mb", 0600); return open("/tmp/a\033[31mb", O_WRONLY) < 0; })");
  const ProcessResult r = run_stuck(exe, true);
  EXPECT_THAT(r.stuck, HasSubstr("the FIFO /tmp/a?[31mb"));
  EXPECT_EQ(r.stuck.find('\033'), std::string::npos);
}

TEST_F(Deadlock, SemWaitNobodyPostsIsStuckWhileAwaited) {
  auto exe = program("sem", R"(
#include <semaphore.h>
int main(void) { sem_t s; sem_init(&s, 0, 0); sem_wait(&s); return 0; })");
  EXPECT_THAT(run_stuck(exe, true).stuck, HasSubstr("sem (pid 2) waits on a futex"));
}

TEST_F(Deadlock, PauseWithAHandlerIsStuckWhileAwaited) {
  auto exe = program("waiter", R"(
static void on_usr1(int sig) { (void)sig; }
int main(void) { signal(SIGUSR1, on_usr1); for (;;) pause(); })");
  EXPECT_THAT(run_stuck(exe, true).stuck, HasSubstr("waiter (pid 2) waits in pause for a signal"));
}

// Where the lab's programs busy-wait for each other: a spin that nothing can
// end (its partner gone) is stuck once awaited; a short spin that ends by
// itself is not, and neither is any spin where the lab does not say so.
TEST_F(Deadlock, ASpinNothingCanEndIsStuckWhereTheLabBusyWaits) {
  auto exe = program("bb_consumer", R"(
volatile int in, out;
int main(void) { while (in == out) {} return 0; })");
  const ProcessResult r = run_awaited(exe, spinning_lab());
  EXPECT_LT(r.wall_seconds, 4.0) << r.describe();
  EXPECT_THAT(r.stuck, HasSubstr("bb_consumer (pid 2) spins in a busy-wait, making no system call; nothing in its world can wake it"));
  EXPECT_THAT(r.stuck_advice, HasSubstr("re-read the shared fields"));
}

// Two spinning programs that pass items through shared memory make no
// system call, yet they move: the object changes (the bounded buffer under
// load, found in CI).
TEST_F(Deadlock, SpinnersPassingItemsThroughSharedMemoryAreLeftAlone) {
  auto exe = program("pair", R"(
#include <fcntl.h>
#include <sys/mman.h>
int main(void) {
  int fd = shm_open("/pair", O_CREAT | O_RDWR, 0600); ftruncate(fd, 4096);
  volatile int *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (fork() == 0) {  /* the producer: a new item every 10 ms for 2 s, no system call */
    struct timespec start, now; clock_gettime(CLOCK_MONOTONIC, &start);
    for (int items = 1; items <= 200; ++items) {
      do clock_gettime(CLOCK_MONOTONIC, &now);
      while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < items * 10);
      *counter = items;
    }
    return 0;
  }
  while (*counter < 200) {}  /* the consumer: spins until the last item */
  wait(NULL); shm_unlink("/pair");
  return 0;
})");
  const ProcessResult r = run_awaited(exe, spinning_lab());
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

TEST_F(Deadlock, ASpinThatEndsByItselfIsLeftAlone) {
  auto exe = program("spinner", R"(
int main(int argc, char** argv) {
  (void)argv;
  struct timespec start, now; clock_gettime(CLOCK_MONOTONIC, &start);
  const double spin = argc > 1 ? 0.6 : 1.8;
  do clock_gettime(CLOCK_MONOTONIC, &now); while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < spin);
  return 0;
})");
  const ProcessResult long_spin = run_awaited(exe, WorldOptions{});
  EXPECT_TRUE(long_spin.exited_with(0)) << long_spin.describe();
  const ProcessResult short_spin = run_awaited(exe, spinning_lab(), {"short"});
  EXPECT_TRUE(short_spin.exited_with(0)) << short_spin.describe();
}

// A client that waits for its reply and a server that waits for the end of
// the client's input, on the world's own loopback: stuck once awaited.
TEST_F(Deadlock, AClientAndServerEachWaitingForTheOtherAreStuckWhileAwaited) {
  auto exe = program("tcp", R"(
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(void) {
  struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(40200); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0) return 2;
  if (fork() == 0) {  /* the server: reads to the end before it answers */
    int c = accept(s, NULL, NULL); char b[64]; while (read(c, b, sizeof b) > 0) {} write(c, "late\n", 5); return 0;
  }
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) return 3;
  write(c, "hi\n", 3); char b[64]; read(c, b, sizeof b);  /* the client: waits for the reply, never closes */
  return 0;
})");
  WorldOptions options;
  options.loopback = true;
  const ProcessResult r = run_awaited(exe, options);
  EXPECT_LT(r.wall_seconds, 2.0) << r.describe();
  EXPECT_THAT(r.stuck, HasSubstr("tcp (pid 2) waits to read from its TCP socket"));
  EXPECT_THAT(r.stuck, HasSubstr("tcp (pid 3) waits to read from its TCP socket (port 40200)"));
  EXPECT_THAT(r.stuck_advice, HasSubstr("waits for the server to close"));
}

// What may still end by itself is left alone, awaited or not: an alarm that
// a handler catches, a receive with a timeout.
TEST_F(Deadlock, AnAlarmOrATimeoutIsLeftAlone) {
  auto exe = program("timed", R"(
#include <fcntl.h>
#include <mqueue.h>
static void on_alarm(int sig) { (void)sig; }
int main(void) {
  signal(SIGALRM, on_alarm); alarm(1); pause();
  mqd_t q = mq_open("/timed", O_CREAT | O_RDONLY, 0600, NULL);
  struct timespec until; clock_gettime(CLOCK_REALTIME, &until); until.tv_sec += 1;
  char buffer[8192];
  if (mq_timedreceive(q, buffer, sizeof buffer, NULL, &until) >= 0) return 1;
  mq_unlink("/timed");
  return 0;
})");
  World world(WorldOptions{});
  auto p = run(world, exe);
  Process::Awaiting awaiting = p->awaiting();
  EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
}

// Not awaited, a queue's reader may be waiting for the program the check
// starts next: it is left alone.
TEST_F(Deadlock, AQueuesReaderWaitsForTheNextProgramWhenNotAwaited) {
  auto exe = program("mq_reader", R"(
#include <fcntl.h>
#include <mqueue.h>
int main(void) {
  mqd_t q = mq_open("/next", O_CREAT | O_RDONLY, 0600, NULL);
  printf("ready\n"); fflush(stdout);
  char buffer[8192];
  ssize_t n = mq_receive(q, buffer, sizeof buffer, NULL);
  mq_unlink("/next");
  printf("got %zd\n", n); return 0;
})");
  auto sender = program("mq_sender", R"(
#include <fcntl.h>
#include <mqueue.h>
int main(void) { mqd_t q = mq_open("/next", O_WRONLY); return mq_send(q, "hi", 2, 0) != 0; })");
  World world(WorldOptions{});
  auto reader = run(world, exe);
  ASSERT_TRUE(reader->wait_for_stdout([](const std::string& out) { return out.find("ready\n") != std::string::npos; }, 5s));
  std::this_thread::sleep_for(700ms);
  EXPECT_TRUE(run(world, sender)->wait().exited_with(0));
  EXPECT_TRUE(reader->wait().exited_with(0)) << reader->wait().describe();
  EXPECT_EQ(reader->stdout_text(), "ready\ngot 2\n");
}

}  // namespace
}  // namespace labgrade
