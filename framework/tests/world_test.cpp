// Worlds: what a check's programs see, what the host sees, and that tearing
// a world down leaves nothing behind (daemons and stopped processes included).
#include "labgrade/world.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <future>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/landlock.hpp"
#include "labgrade/sandbox_user.hpp"
#include "labgrade/temp_dir.hpp"
#include "c_program.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

SpawnOptions shell(const std::string& script, double time_limit = 5.0) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.time_limit = time_limit;
  return options;
}

WorldOptions small_world() {
  WorldOptions options;
  options.shm_mb = 4;
  return options;
}

// The argv of a sleeper started by a test ("sleep\0<marker>"), as /proc/PID/cmdline holds it.
std::string sleeper_cmdline(const std::string& marker) { return std::string("sleep") + '\0' + marker; }



// Signals through a pidfd: to its own child (argv[1] "child") or to a pid it names.
constexpr const char* k_pidfd_signaller = R"(
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  pid_t target;
  if (strcmp(argv[1], "child") == 0) {
    target = fork();
    if (target == 0) { pause(); _exit(0); }
  } else {
    target = atoi(argv[1]);
  }
  int fd = (int)syscall(SYS_pidfd_open, target, 0);
  if (fd < 0) { perror("pidfd_open"); return 2; }
  if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) != 0) { printf("refused: %s\n", strerror(errno)); return 0; }
  int status = 0;
  if (strcmp(argv[1], "child") == 0) waitpid(target, &status, 0);
  printf("sent%s\n", WIFSIGNALED(status) ? ", child killed" : "");
  return 0;
}
)";

std::filesystem::path pidfd_signaller(const TempDir& dir) {
  return test::compile_c(dir.path(), "pidfd_signaller", k_pidfd_signaller);
}

// (a)-(e): a world of its own namespaces; skipped where the machine has none.
class NamespacedWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    if (detect_isolation() == Isolation::none) {
      GTEST_SKIP() << "no namespaces on this machine: " << isolation_fallback_reason();
    }
  }
};

TEST_F(NamespacedWorld, HostNeverSeesTheWorldsShm) {
  const std::string name = "labgrade-test-" + test::unique_digits();
  const fs::path on_host = fs::path("/dev/shm") / name;
  test::RemoveOnExit leaked(on_host);  // only if the world's object reached the host
  auto world = std::make_unique<World>(small_world());
  EXPECT_NE(world->isolation(), Isolation::none);
  auto p = world->spawn(shell("printf hello > /dev/shm/" + name));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe() << ": " << p->stderr_text();

  EXPECT_TRUE(fs::exists(world->shm_dir() / name)) << "the world's /dev/shm, seen from outside, lacks " << name;
  EXPECT_EQ(test::read_text(world->shm_dir() / name), "hello");
  EXPECT_FALSE(fs::exists(on_host)) << "the world wrote into the host's /dev/shm";
  world.reset();
  EXPECT_FALSE(fs::exists(on_host));
}

TEST_F(NamespacedWorld, WorldNeverSeesTheHostsShm) {
  const fs::path on_host = fs::path("/dev/shm") / ("labgrade-test-" + test::unique_digits());
  test::RemoveOnExit guard(on_host);
  test::write_text(on_host, "host");
  // The probe works: on the host, the same command finds the file.
  ASSERT_TRUE(run_on_host({.argv = {"/bin/sh", "-c", "test -e " + on_host.string()}}).exited_with(0));

  World world(small_world());
  auto p = world.spawn(shell("test -e " + on_host.string()));
  EXPECT_TRUE(p->wait().exited_with(1)) << "in the world, test -e " << on_host << " " << p->wait().describe();
  auto listing = world.spawn(shell("ls -A /dev/shm"));
  EXPECT_TRUE(listing->wait().exited_with(0));
  EXPECT_EQ(listing->stdout_text(), "") << "a fresh world's /dev/shm is empty";
}

TEST_F(NamespacedWorld, WorldsDoNotSeeEachOther) {
  const std::string name = "labgrade-test-" + test::unique_digits();
  test::RemoveOnExit leaked(fs::path("/dev/shm") / name);  // only if a world wrote the host's
  World first(small_world());
  World second(small_world());
  ASSERT_TRUE(first.spawn(shell("touch /dev/shm/" + name))->wait().exited_with(0));
  EXPECT_TRUE(fs::exists(first.shm_dir() / name));
  EXPECT_FALSE(fs::exists(second.shm_dir() / name));
  EXPECT_TRUE(second.spawn(shell("test -e /dev/shm/" + name))->wait().exited_with(1));
}

TEST_F(NamespacedWorld, SystemVIpcIsPrivate) {
  if (!fs::exists("/usr/bin/ipcmk") && !fs::exists("/bin/ipcmk")) GTEST_SKIP() << "ipcmk (util-linux) is not installed";
  if (!fs::exists("/proc/sysvipc/shm")) GTEST_SKIP() << "no /proc/sysvipc/shm";
  World world(small_world());
  // The host's uid of the world's programs: no other world (nor a test beside this one) has it now.
  const uid_t host_uid = world.isolation() == Isolation::user_namespaces ? ::geteuid() : world.program_uid();
  const std::set<int> before = test::host_sysv_shm_ids_of(host_uid);
  auto p = world.spawn(shell("ipcmk -M 4096 >/dev/null && tail -n +2 /proc/sysvipc/shm | wc -l"));
  EXPECT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "1\n") << "the world sees its own segment";
  const std::set<int> during = test::host_sysv_shm_ids_of(host_uid);
  for (int id : during) {
    if (before.count(id) == 0) {
      ADD_FAILURE() << "the world's System V segment " << id << " is visible on the host";
      ::shmctl(id, IPC_RMID, nullptr);  // leave nothing behind
    }
  }
}

TEST_F(NamespacedWorld, HasNoNetworkButLoopback) {
  World world(small_world());
  auto p = world.spawn(shell("cat /proc/net/dev"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  std::stringstream in(p->stdout_text());
  std::string line;
  std::set<std::string> interfaces;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    interfaces.insert(name);
  }
  EXPECT_EQ(interfaces, std::set<std::string>{"lo"});
}

// The network namespace a world's init is in, as the host names it ("net:[4026532...]").
std::string network_of(const World& world) {
  return fs::read_symlink(fmt::format("/proc/{}/ns/net", world.init_pid())).string();
}

TEST_F(NamespacedWorld, WorldsAtOnceNeverShareANetwork) {
  World first(small_world()), second(small_world());
  const std::string host = fs::read_symlink("/proc/self/ns/net").string();
  EXPECT_NE(network_of(first), host);
  EXPECT_NE(network_of(second), host);
  EXPECT_NE(network_of(first), network_of(second)) << "abstract sockets would reach from one world into the other";
}

TEST_F(NamespacedWorld, AWorldAfterAnotherMayReuseItsEmptyNetwork) {
  if (detect_isolation() != Isolation::namespaces) GTEST_SKIP() << "pooled only as root";
  std::string before;
  {
    World world(small_world());
    before = network_of(world);
  }
  World next(small_world());
  EXPECT_EQ(network_of(next), before) << "the pool gives back the namespace of the world that ended";
  auto p = next.spawn(shell("cat /proc/net/dev"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_THAT(p->stdout_text(), HasSubstr("lo:"));
}

// Worlds that want the cores to themselves never live at once, on the
// whole machine; the wait is told (the check does not count it), and other
// worlds do not wait.
TEST_F(NamespacedWorld, WorldsWithCoresToThemselvesTakeTurns) {
  WorldOptions alone = small_world();
  alone.cores_to_itself = true;
  auto first = std::make_unique<World>(alone);
  std::promise<std::chrono::steady_clock::duration> waited;
  std::thread second([&] {
    World w(alone);
    waited.set_value(w.waited());
  });
  {
    World other(small_world());
    EXPECT_LT(other.waited(), 100ms) << "a world that did not ask does not wait";
  }
  std::this_thread::sleep_for(300ms);
  first.reset();
  second.join();
  EXPECT_GE(waited.get_future().get(), 250ms) << "the second waited for the first to end";
}

TEST_F(NamespacedWorld, TeardownKillsASetsidDaemon) {
  test::MarkedProcessReaper sleepers("1000." + test::unique_digits());
  const std::string sleeper = sleeper_cmdline(sleepers.marker());
  auto world = std::make_unique<World>(small_world());
  auto p = world->spawn(shell("setsid sh -c 'exec sleep " + sleepers.marker() +
                              "' </dev/null >/dev/null 2>&1 & exit 0"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  ASSERT_TRUE(test::eventually([&] { return !test::pids_with_cmdline(sleeper).empty(); }, 5s))
      << "the daemon never started";

  world.reset();
  EXPECT_TRUE(test::eventually([&] { return test::pids_with_cmdline(sleeper).empty(); }, 2s))
      << "the daemon outlived its world";
}

TEST_F(NamespacedWorld, TeardownKillsAStoppedDaemon) {
  test::MarkedProcessReaper sleepers("1000." + test::unique_digits());
  auto world = std::make_unique<World>(small_world());
  auto p = world->spawn(shell("setsid sh -c 'kill -STOP $$; exec sleep " + sleepers.marker() +
                              "' </dev/null >/dev/null 2>&1 & exit 0"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  auto stopped = [&] {
    for (pid_t pid : test::pids_with_cmdline(sleepers.marker())) {
      if (test::process_state(pid) == 'T') return true;
    }
    return false;
  };
  ASSERT_TRUE(test::eventually(stopped, 5s)) << "the daemon never stopped itself";

  world.reset();
  EXPECT_TRUE(test::eventually([&] { return test::pids_with_cmdline(sleepers.marker()).empty(); }, 2s))
      << "the stopped daemon outlived its world";
}

TEST_F(NamespacedWorld, TeardownKillsAStoppedProgram) {
  World world(small_world());
  auto p = world.spawn(shell("kill -STOP $$; exit 0", 30.0));
  ASSERT_TRUE(test::eventually([&] { return test::process_state(p->pid()) == 'T'; }, 5s));
  world.tear_down();
  ASSERT_TRUE(p->finished()) << "tear_down returned while the stopped program lived";
  EXPECT_EQ(p->wait().ending, ProcessResult::Ending::signaled) << p->wait().describe();
  EXPECT_EQ(p->wait().signal, SIGKILL);
}

TEST_F(NamespacedWorld, InitIsPidOneInside) {
  World world(small_world());
  ASSERT_GT(world.init_pid(), 1);
  auto p = world.spawn(shell("echo $$; cat /proc/1/cmdline"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  const std::string out = p->stdout_text();
  const auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  const long inside = std::stol(out.substr(0, newline));
  EXPECT_GT(inside, 1);
  EXPECT_LT(inside, 100) << "a fresh pid namespace numbers from 1";
  EXPECT_NE(inside, p->pid()) << "the program's pid inside equals its host pid: no pid namespace";

  const std::string init_cmdline = out.substr(newline + 1);
  EXPECT_FALSE(init_cmdline.empty());
  EXPECT_EQ(init_cmdline, test::read_text("/proc/" + std::to_string(world.init_pid()) + "/cmdline"))
      << "pid 1 inside is not the world's init";
  EXPECT_EQ(init_cmdline.find("/bin/sh"), std::string::npos) << "pid 1 inside is the program";
}

// A program in a world is the grader's own child (it waits for it), numbered
// by the world as pid_inside() says; the thread that started it makes its
// next processes and threads on the host again.
TEST_F(NamespacedWorld, AProgramIsTheGradersChildAndTheThreadsNextChildrenAreTheHosts) {
  World world(small_world());
  auto p = world.spawn(shell("echo $$ $PPID"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  std::istringstream out(p->stdout_text());
  long inside = -1, parent = -1;
  out >> inside >> parent;
  EXPECT_EQ(inside, p->pid_inside());
  EXPECT_EQ(parent, 0) << "its parent is outside its world (the grader), numbered 0 there";

  auto host = Process::spawn(shell("echo $$"));
  ASSERT_TRUE(host->wait().exited_with(0)) << host->stderr_text();
  EXPECT_EQ(std::stol(host->stdout_text()), host->pid()) << "a later program of this thread was born in the world";
  EXPECT_EQ(host->pid_inside(), host->pid());
  std::thread thread([] {});  // a thread is refused where the thread's children would be another namespace's
  thread.join();
}

TEST_F(NamespacedWorld, ProgramsRunInTheWorkdirWithASmallEnvironment) {
  ::setenv("LABGRADE_TEST_SECRET", "grader only", 1);
  World world(small_world());
  auto p = world.spawn(shell("pwd; echo \"$HOME\"; echo \"$TMPDIR\"; echo \"${LABGRADE_TEST_SECRET-unset}\""));
  ::unsetenv("LABGRADE_TEST_SECRET");
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  const std::string dir = world.workdir().string();
  EXPECT_EQ(p->stdout_text(), dir + "\n" + dir + "\n" + dir + "\nunset\n");
}

// The private root: what a C program (and gcc) needs, and nothing else of the machine.
TEST_F(NamespacedWorld, TheRootHoldsOnlyWhatACProgramNeeds) {
  World world(small_world());
  auto p = world.spawn(shell("ls -A /; ls -A /etc; ls -A /dev | tr '\\n' ' '"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  const std::string out = p->stdout_text();
  std::set<std::string> top;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) top.insert(line);
  for (const char* expected : {"usr", "etc", "dev", "proc", "tmp", "work", "passwd", "group", "hosts", "ld.so.cache"})
    EXPECT_TRUE(top.count(expected) == 1) << "missing " << expected << " in:\n" << out;
  for (const char* absent : {"root", "home", "var", "opt", "srv", "mnt", "boot", "sys", "shadow", "gshadow", "sudoers"})
    EXPECT_TRUE(top.count(absent) == 0) << absent << " is visible in the world:\n" << out;
  EXPECT_THAT(out, HasSubstr("null")) << "/dev lacks null";
  EXPECT_THAT(out, HasSubstr("shm")) << "/dev lacks shm";
}

TEST_F(NamespacedWorld, TheGradersFilesAreNotInside) {
  World world(small_world());
  const std::string source = test::source_dir().string();
  auto p = world.spawn(shell("ls " + source + " /root " + fs::current_path().string() + " 2>&1; exit 0"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_THAT(p->stdout_text(), HasSubstr("No such file or directory"));
  EXPECT_THAT(p->stdout_text(), ::testing::Not(HasSubstr("CMakeLists.txt"))) << "labgrade's sources are visible";
}

TEST_F(NamespacedWorld, ProgramsRunAsAnUnprivilegedUserOfTheirOwn) {
  World first(small_world()), second(small_world());
  auto a = first.spawn(shell("id -u; id -g; id -un; touch made-here; stat -c %u made-here; cat /etc/shadow 2>&1; exit 0"));
  auto b = second.spawn(shell("id -u"));
  ASSERT_TRUE(a->wait().exited_with(0)) << a->stderr_text();
  ASSERT_TRUE(b->wait().exited_with(0)) << b->stderr_text();
  std::istringstream out(a->stdout_text());
  std::string uid, gid, name, owner;
  out >> uid >> gid >> name >> owner;
  EXPECT_NE(uid, "0") << "a program ran as root";
  EXPECT_EQ(uid, std::to_string(first.program_uid()));
  EXPECT_EQ(name, "student");
  EXPECT_EQ(owner, uid) << "its working directory is not its own";
  if (::geteuid() == 0) {
    EXPECT_NE(b->stdout_text(), a->stdout_text().substr(0, uid.size() + 1)) << "two worlds alive at once share a uid";
    EXPECT_GE(first.program_uid(), SandboxUser::k_first_uid);
  }
}

TEST_F(NamespacedWorld, ProgramsSeeTheSystemReadOnly) {
  World world(small_world());
  auto p = world.spawn(shell("touch /usr/x /etc/x /x /proc/x 2>/dev/null && echo wrote; "
                             "touch /tmp/x && echo tmp; echo hi > ./file && echo work"));
  p->wait();
  EXPECT_EQ(p->stdout_text(), "tmp\nwork\n") << p->stderr_text();
}

TEST_F(NamespacedWorld, KillMinusOneIsRefusedAndNamed) {
  World world(small_world());
  auto bystander = world.spawn(shell("sleep 5", 10));
  auto p = world.spawn(shell("kill -KILL -1; echo $?"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_THAT(p->refused_signal(), HasSubstr("it tried to kill every process (kill(-1, SIGKILL))"));
  EXPECT_FALSE(bystander->finished()) << "kill(-1) reached another program of the world";
}

TEST_F(NamespacedWorld, SignalsWithinItsOwnTreeGoThrough) {
  World world(small_world());
  auto p = world.spawn(shell("sleep 5 & kill -TERM $!; wait $!; echo $?; kill -0 $$ && echo self"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "143\nself\n");
  EXPECT_EQ(p->refused_signal(), "");
}

// An installed labgrade keeps its labs and references in /usr/share: a world shows them empty.
TEST_F(NamespacedWorld, TheGradersFoldersInASystemFolderAreEmptyInside) {
  if (!fs::is_directory("/usr/share/doc") || !fs::is_directory("/usr/share/common-licenses"))
    GTEST_SKIP() << "no /usr/share/doc or /usr/share/common-licenses to stand for labgrade's folders";
  WorldOptions options = small_world();
  options.hidden = {"/usr/share/doc"};
  World world(options);
  auto p = world.spawn(shell("ls -A /usr/share/doc | wc -l; ls /usr/share/common-licenses | wc -l"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  std::istringstream out(p->stdout_text());
  int hidden = -1, kept = -1;
  out >> hidden >> kept;
  EXPECT_EQ(hidden, 0) << "the hidden folder shows its files";
  EXPECT_GT(kept, 0) << "the rest of /usr/share is gone too";
}

TEST_F(NamespacedWorld, APidfdSignalReachesItsChildButNotTheInit) {
  if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
  TempDir dir("labgrade-test-");
  const auto exe = pidfd_signaller(dir);
  World world(small_world());
  auto own = world.spawn({.argv = {exe.string(), "child"}});
  ASSERT_TRUE(own->wait().exited_with(0)) << own->stderr_text();
  EXPECT_EQ(own->stdout_text(), "sent, child killed\n");
  EXPECT_EQ(own->refused_signal(), "");
  auto init = world.spawn({.argv = {exe.string(), "1"}});
  ASSERT_TRUE(init->wait().exited_with(0)) << init->stderr_text();
  EXPECT_EQ(init->stdout_text(), "refused: Operation not permitted\n");
  EXPECT_THAT(init->refused_signal(), HasSubstr("pidfd_send_signal(a pidfd of pid 1, SIGKILL)"));
}

TEST_F(NamespacedWorld, TeardownRemovesTheWorkdir) {
  TempDir parent("labgrade-test-");
  {
    WorldOptions options = small_world();
    options.scratch_parent = parent.path();
    World world(options);
    ASSERT_TRUE(world.spawn(shell("echo data > file"))->wait().exited_with(0));
    EXPECT_TRUE(fs::exists(world.workdir_from_outside() / "file"));
  }
  EXPECT_TRUE(fs::is_empty(parent.path())) << "the world left its folder on the host";
}

TEST_F(NamespacedWorld, CensusCountsAnOrphan) {
  World world(small_world());
  // sh does not wait for a background job: when sh exits, the job goes to the init.
  world.spawn(shell("sleep 0.05 & exit 0"))->wait();
  EXPECT_TRUE(test::eventually([&] { return world.census().orphans == 1; }, 2s))
      << "orphans seen: " << world.census().orphans;
}

TEST_F(NamespacedWorld, CensusSeesNoOrphanWhenTheParentWaits) {
  World world(small_world());
  auto program = world.spawn(shell("sleep 0.01 & wait; exit 0"));
  EXPECT_TRUE(program->wait().exited_with(0));
  EXPECT_EQ(world.census().orphans, 0);
}

TEST_F(NamespacedWorld, CensusGivesTheLastPid) {
  World world(small_world());
  EXPECT_EQ(world.census().last_pid, 1) << "only the init yet";
  // The first program is pid 2; each process it forks takes the next pid.
  world.spawn(shell("/bin/true; /bin/true; exit 0"))->wait();
  EXPECT_EQ(world.census().last_pid, 4);
}

TEST_F(NamespacedWorld, SpawnAfterTeardownIsAGraderError) {
  World world(small_world());
  world.tear_down();
  EXPECT_THROW(world.spawn(shell("true")), GraderError);
}

TEST(HostWorld, IsolationNamesAreWords) {
  EXPECT_EQ(to_string(Isolation::namespaces), "namespaces");
  EXPECT_EQ(to_string(Isolation::user_namespaces), "user namespaces");
  EXPECT_EQ(to_string(Isolation::none), "off");
}

// (f): without isolation, the world is the host; the lab's names are removed.
TEST(HostWorld, RunsProgramsAndRemovesTheLabsShmNamesAtTeardown) {
  const std::string name = "labgrade-test-" + test::unique_digits();
  const fs::path on_host = fs::path("/dev/shm") / name;
  test::RemoveOnExit guard(on_host);
  WorldOptions options = small_world();
  options.shm_names = {name};
  auto world = std::make_unique<World>(options, Isolation::none);
  EXPECT_EQ(world->isolation(), Isolation::none);
  EXPECT_EQ(world->shm_dir(), fs::path("/dev/shm"));
  EXPECT_EQ(world->init_pid(), -1);
  const fs::path workdir = world->workdir();

  auto p = world->spawn(shell("printf x > /dev/shm/" + name + "; pwd"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), workdir.string() + "\n");
  EXPECT_TRUE(fs::exists(on_host)) << "without isolation the program writes the host's /dev/shm";

  world.reset();
  EXPECT_FALSE(fs::exists(on_host)) << "teardown left the lab's shm name " << name;
  EXPECT_FALSE(fs::exists(workdir));
}

TEST(HostWorld, ProgramsSignalOnlyTheirOwnTree) {
  auto outsider = HostChild::start({.argv = {"/bin/sleep", "5"}});
  World world(small_world(), Isolation::none);
  auto p = world.spawn(shell("kill -TERM " + std::to_string(outsider->pid()) + " 2>/dev/null; echo $?"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "1\n") << "the kill went through";
  EXPECT_THAT(p->refused_signal(), HasSubstr("it tried to signal a process that is not its own"));
  EXPECT_FALSE(outsider->finished());
  outsider->kill();
}

TEST(HostWorld, TheGradersFoldersInASystemFolderAreOutOfReach) {
  if (landlock_support().abi == 0) GTEST_SKIP() << "no Landlock here: " << landlock_support().reason;
  if (!fs::is_directory("/usr/share/doc") || !fs::is_directory("/usr/share/common-licenses"))
    GTEST_SKIP() << "no /usr/share/doc or /usr/share/common-licenses to stand for labgrade's folders";
  WorldOptions options = small_world();
  options.hidden = {"/usr/share/doc"};
  World world(options, Isolation::none);
  auto p = world.spawn(shell("ls /usr/share/doc >/dev/null 2>&1 && echo visible || echo refused; "
                             "ls /usr/share/common-licenses >/dev/null && echo kept"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "refused\nkept\n");
}

TEST(HostWorld, APidfdSignalReachesItsChildButNotAnOutsider) {
  if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
  TempDir dir("labgrade-test-");
  const auto exe = pidfd_signaller(dir);
  auto outsider = HostChild::start({.argv = {"/bin/sleep", "5"}});
  World world(small_world(), Isolation::none);
  auto own = world.spawn({.argv = {exe.string(), "child"}});
  ASSERT_TRUE(own->wait().exited_with(0)) << own->stderr_text();
  EXPECT_EQ(own->stdout_text(), "sent, child killed\n");
  auto out = world.spawn({.argv = {exe.string(), std::to_string(outsider->pid())}});
  ASSERT_TRUE(out->wait().exited_with(0)) << out->stderr_text();
  EXPECT_EQ(out->stdout_text(), "refused: Operation not permitted\n");
  EXPECT_THAT(out->refused_signal(), HasSubstr("it tried to signal a process that is not its own (pidfd_send_signal"));
  EXPECT_FALSE(outsider->finished()) << "a pidfd signal reached a process of the host";
  outsider->kill();
}

TEST(HostWorld, AsRootProgramsRunAsTheSandboxUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can give programs a uid of their own";
  World world(small_world(), Isolation::none);
  auto p = world.spawn(shell("id -u; cat /etc/shadow >/dev/null 2>&1 || echo refused"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), std::to_string(world.program_uid()) + "\nrefused\n");
  EXPECT_GE(world.program_uid(), SandboxUser::k_first_uid);
}

TEST(HostWorld, NoInternetSocket) {
  World world(small_world(), Isolation::none);
  // A datagram socket to a documentation address: no packet needs to leave.
  SpawnOptions bash;
  bash.argv = {"/bin/bash", "-c", "(exec 3<>/dev/udp/192.0.2.1/9) 2>/dev/null && echo opened || echo refused"};
  auto p = world.spawn(bash);
  p->wait();
  EXPECT_THAT(p->stdout_text(), HasSubstr("refused")) << p->stdout_text();
}

// An object of the lab's names that was there first is not the world's: a
// grader error naming it, and it is kept as it was.
TEST(HostWorld, AnObjectThereFirstIsAGraderErrorAndIsKept) {
  const std::string name = "labgrade-test-" + test::unique_digits();
  const fs::path on_host = fs::path("/dev/shm") / name;
  test::RemoveOnExit guard(on_host);
  test::write_text(on_host, "someone else's object");
  WorldOptions options = small_world();
  options.shm_names = {name};
  try {
    World world(options, Isolation::none);
    ADD_FAILURE() << "a world began on top of " << on_host;
  } catch (const GraderError& e) {
    EXPECT_THAT(e.what(), HasSubstr(on_host.string() + " was there before this check began"));
    EXPECT_THAT(e.what(), HasSubstr("rm " + on_host.string()));
  }
  EXPECT_EQ(test::read_text(on_host), "someone else's object");
  // The machine is free again for the next world.
  WorldOptions other = small_world();
  EXPECT_NO_THROW(World(other, Isolation::none));
}

// Another user's object that appears under the lab's name while a world
// lives is not the world's: teardown keeps it.
TEST(HostWorld, TeardownKeepsAnotherUsersObjectOfTheLabsName) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can make an object of another user";
  const std::string name = "labgrade-test-" + test::unique_digits();
  const fs::path on_host = fs::path("/dev/shm") / name;
  test::RemoveOnExit guard(on_host);
  WorldOptions options = small_world();
  options.shm_names = {name};
  {
    World world(options, Isolation::none);
    test::write_text(on_host, "made meanwhile by someone else");
    ASSERT_EQ(::chown(on_host.c_str(), 65534, 65534), 0);
  }
  EXPECT_EQ(test::read_text(on_host), "made meanwhile by someone else") << "teardown removed another user's object";
}

TEST(HostWorld, TheHostsOwnShmObjectsAreNotTheWorldsButWhatItMadeIsRemoved) {
  const std::string digits = test::unique_digits();
  const fs::path theirs = fs::path("/dev/shm") / ("labgrade-test-host-" + digits);
  const fs::path made = fs::path("/dev/shm") / ("labgrade-test-typo-" + digits);  // a name the lab does not list
  test::RemoveOnExit guard_theirs(theirs), guard_made(made);
  test::write_text(theirs, "another program's object");
  auto world = std::make_unique<World>(small_world(), Isolation::none);
  EXPECT_FALSE(world->made_here(theirs.filename().string()));
  auto p = world->spawn(shell("printf x > " + made.string()));
  ASSERT_TRUE(p->wait().exited_with(0));
  EXPECT_TRUE(world->made_here(made.filename().string()));
  world.reset();
  EXPECT_TRUE(fs::exists(theirs)) << "teardown removed an object of the host's";
  EXPECT_FALSE(fs::exists(made)) << "teardown left an object the world's program made";
}

TEST(HostWorld, TeardownKillsASetsidDaemon) {
  test::MarkedProcessReaper sleepers("1000." + test::unique_digits());
  const std::string sleeper = sleeper_cmdline(sleepers.marker());
  auto world = std::make_unique<World>(small_world(), Isolation::none);
  auto p = world->spawn(shell("setsid sh -c 'exec sleep " + sleepers.marker() +
                              "' </dev/null >/dev/null 2>&1 & exit 0"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
  ASSERT_TRUE(test::eventually([&] { return !test::pids_with_cmdline(sleeper).empty(); }, 5s))
      << "the daemon never started";

  world.reset();
  EXPECT_TRUE(test::pids_with_cmdline(sleeper).empty()) << "the daemon outlived its world";
}

}  // namespace
}  // namespace labgrade
