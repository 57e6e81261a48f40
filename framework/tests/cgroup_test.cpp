// The world's cgroup: limits that hold for the whole world (a fork bomb, a
// memory hog), named in the student's terms, and nothing left behind.
#include "labgrade/cgroup.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cstddef>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

bool have_cgroups() { return cgroup_support().version != CgroupVersion::none; }

std::vector<fs::path> our_groups() {
  std::vector<fs::path> found;
  const CgroupSupport& s = cgroup_support();
  for (const fs::path& parent : {s.memory_parent, s.pids_parent}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(parent, ec)) {
      if (e.path().filename().string().rfind(fmt::format("labgrade-{}-", ::getpid()), 0) == 0) found.push_back(e.path());
    }
  }
  return found;
}

TEST(Cgroup, DetectionSaysWhatItFound) {
  const std::string text = describe(cgroup_support());
  EXPECT_THAT(text, ::testing::AnyOf(HasSubstr("cgroup v1"), HasSubstr("cgroup v2"), HasSubstr("none (")));
  std::cout << "[cgroups] " << text << "\n";
}

// A container's --cpus or a pod's CPU limit: the tightest quota from our
// group up to the top we see (core_count() is no more, rounded up).
TEST(Cgroup, TheCpuLimitIsTheTightestQuotaOnTheWayUp) {
  TempDir tree("labgrade-cpu-limit-");
  auto write = [](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  };
  const fs::path top = tree.path() / "v2", pod = top / "kubepods" / "pod1", container = pod / "c1";
  write(top / "kubepods" / "cpu.max", "max 100000\n");
  write(pod / "cpu.max", "250000 100000\n");
  write(container / "cpu.max", "max 100000\n");
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v2, top, container), 2.5) << "the pod's limit holds its containers";
  write(container / "cpu.max", "150000 100000\n");
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v2, top, container), 1.5);
  write(top / "cpu.max", "50000 100000\n");  // above the top we may see: not ours to read
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v2, pod, container), 1.5);
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v2, top, top / "none"), 0.5);

  const fs::path v1 = tree.path() / "cpu", job = v1 / "docker" / "abc";
  write(job / "cpu.cfs_quota_us", "-1\n");
  write(job / "cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v1, v1, job), std::nullopt) << "-1: no limit";
  write(job / "cpu.cfs_quota_us", "300000\n");
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v1, v1, job), 3.0);
  EXPECT_EQ(cgroup_cpu_limit(CgroupVersion::v1, v1, tree.path() / "elsewhere"), std::nullopt);
}

TEST(Cgroup, AForkBombIsHeldToTheProcessLimitAndNamed) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  TempDir scratch("labgrade-test-");
  auto bomb = test::compile_c(scratch.path(), "bomb",
                              "#include <unistd.h>\n#include <stdio.h>\n"
                              "int main(void) { int failed = 0; for (int i = 0; i < 1000; ++i) { pid_t p = fork();\n"
                              "  if (p == 0) { pause(); _exit(0); } if (p < 0) ++failed; }\n"
                              "  printf(\"%d forks failed\\n\", failed); return 0; }\n");
  {
    World world(WorldOptions{.world_limits = CgroupLimits{.memory_mb = 256, .processes = 20}});
    auto p = world.spawn({.argv = {bomb.string()}, .time_limit = 20.0});
    EXPECT_TRUE(p->wait().exited_with(0)) << p->wait().describe();
    int failed = std::stoi(p->stdout_text());
    EXPECT_GE(failed, 980) << "at most 20 processes at once: the rest of the 1000 forks fail";
    ASSERT_TRUE(world.cgroup());
    EXPECT_EQ(world.cgroup()->limit_hit(), "too many processes (a check's world may have 20 at once)");
  }
  for (const auto& group : our_groups()) {  // back in the pool, empty (removed when this process exits)
    EXPECT_EQ(test::read_text(group / "cgroup.procs"), "") << group << " still holds processes";
  }
}

TEST(Cgroup, AMemoryHogIsKilledAtTheWorldsLimitAndNamed) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  TempDir scratch("labgrade-test-");
  // Three processes of 40 MiB each: every one under RLIMIT_AS, together over the world's 64 MiB.
  auto hog = test::compile_c(scratch.path(), "hog",
                             "#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
                             "int main(void) { for (int i = 0; i < 2; ++i) if (fork() == 0) break;\n"
                             "  volatile char* p = malloc(40 << 20); for (int i = 0; i < (40 << 20); i += 4096) p[i] = 1; sleep(5);\n"
                             "  while (wait(0) > 0) {} return 0; }\n");
  World world(WorldOptions{.world_limits = CgroupLimits{.memory_mb = 64, .processes = 20}});
  auto p = world.spawn({.argv = {hog.string()}, .time_limit = 20.0});
  p->wait();
  ASSERT_TRUE(world.cgroup());
  EXPECT_EQ(world.cgroup()->limit_hit(), "memory limit of 64 MiB exceeded in a check's world");
}

TEST(Cgroup, AWorldWithinItsLimitsHitsNone) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  World world(WorldOptions{.world_limits = CgroupLimits{}});
  auto p = world.spawn({.argv = {"/bin/sh", "-c", "echo hello | cat"}});
  EXPECT_TRUE(p->wait().exited_with(0));
  ASSERT_TRUE(world.cgroup());
  EXPECT_EQ(world.cgroup()->limit_hit(), std::nullopt);
}

TEST(Cgroup, AReusedGroupDoesNotCarryTheLastWorldsLimitHits) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  {
    World bomb(WorldOptions{.world_limits = CgroupLimits{.memory_mb = 256, .processes = 4}});
    bomb.spawn({.argv = {"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait"}, .time_limit = 1.0})->wait();
    ASSERT_TRUE(bomb.cgroup()->limit_hit().has_value());
  }
  World next(WorldOptions{.world_limits = CgroupLimits{.memory_mb = 256, .processes = 4}});
  EXPECT_TRUE(next.spawn({.argv = {"/bin/true"}})->wait().exited_with(0));
  EXPECT_EQ(next.cgroup()->limit_hit(), std::nullopt) << "the group was reused: only this world's hits count";
}

// A child that waits to be killed, standing for another labgrade process,
// and a group named after it as labgrade names its groups.
struct OwnerAndGroup {
  pid_t owner = ::fork();
  std::filesystem::path group;
  OwnerAndGroup() {
    if (owner == 0) {
      ::pause();
      ::_exit(0);
    }
    group = cgroup_support().pids_parent / fmt::format("labgrade-{}-0", owner);
    fs::create_directory(group);
  }
  void kill() {
    ::kill(owner, SIGKILL);
    siginfo_t info{};
    ::waitid(P_PID, owner, &info, WEXITED | WNOWAIT);  // a zombie: ended, not reaped
  }
  void reap() {
    if (!reaped) ::waitpid(owner, nullptr, 0);
    reaped = true;
  }
  ~OwnerAndGroup() {
    if (!reaped) kill();
    reap();
    if (fs::exists(group)) fs::remove(group);
  }
  bool reaped = false;
};

TEST(Cgroup, GroupsOfAKilledRunAreRemovedAtStartUp) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  OwnerAndGroup killed;  // made its group, then was SIGKILLed before cleaning up
  ASSERT_TRUE(fs::exists(killed.group));
  killed.kill();
  killed.reap();
  remove_stale_cgroups(cgroup_support());
  EXPECT_FALSE(fs::exists(killed.group));
}

TEST(Cgroup, GroupsOfAZombieOwnerAreRemoved) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  // The check runner of a SIGKILLed labgrade, orphaned where init does not
  // reap: still a pid, but it will never clean up.
  OwnerAndGroup zombie;
  ASSERT_TRUE(fs::exists(zombie.group));
  zombie.kill();
  remove_stale_cgroups(cgroup_support());
  EXPECT_FALSE(fs::exists(zombie.group));
}

TEST(Cgroup, AGroupOfALivingProcessIsKept) {
  if (!have_cgroups()) GTEST_SKIP() << describe(cgroup_support());
  OwnerAndGroup living;
  ASSERT_TRUE(fs::exists(living.group));
  remove_stale_cgroups(cgroup_support());
  EXPECT_TRUE(fs::exists(living.group)) << "another labgrade still running keeps its groups";
  living.kill();
  remove_stale_cgroups(cgroup_support());
  EXPECT_FALSE(fs::exists(living.group));
}

}  // namespace
}  // namespace labgrade

namespace labgrade {
namespace {

// A labgrade in another pid namespace (a container, CI's outer sandbox) has a
// pid this one cannot see: its groups are alive while it holds its token.
TEST(Cgroup, AnOwnerThatHoldsItsTokenLivesWhateverItsPid) {
  const std::string token = "0123456789abcdef";
  const std::string name = fmt::format("labgrade-{}-{}-0", 999999999, token);  // no such pid here
  EXPECT_FALSE(cgroup_owner_lives(name)) << "nobody holds the token and the pid is not alive";
  UniqueFd held{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  const std::string abstract = "labgrade-alive-" + token;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, abstract.data(), abstract.size());
  ASSERT_EQ(::bind(held.get(), reinterpret_cast<sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract.size())), 0);
  EXPECT_TRUE(cgroup_owner_lives(name)) << "its owner holds the token";
  held.reset();
  EXPECT_FALSE(cgroup_owner_lives(name));
}

}  // namespace
}  // namespace labgrade
