// Worlds made ahead and torn down behind: a world taken is the one made
// ahead and works, and the next is made once asked for (next() or end()); other options, or a world that cannot wait, are made
// when asked; a world let go ends at once and leaves nothing; a check that
// has the cores to itself never waits for a world being made.
#include "labgrade/worlds_ahead.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "labgrade/parallel_checks.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

using namespace std::chrono_literals;

WorldOptions small_world() {
  WorldOptions options;
  options.shm_mb = 4;
  return options;
}

SpawnOptions shell(const std::string& script) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.time_limit = 5.0;
  return options;
}

bool gone(pid_t pid) { return test::process_state(pid) == 0; }

// This process's children now (a world's init is one until it is reaped).
std::size_t children_now() {
  std::size_t count = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::istringstream children(test::read_text(task.path() / "children"));
    for (pid_t pid; children >> pid;) ++count;
  }
  return count;
}

class WorldsAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (detect_isolation() == Isolation::none) GTEST_SKIP() << "no namespaces: no world waits ahead";
  }
};

TEST_F(WorldsAheadTest, AWorldTakenIsTheOneMadeAheadAndWorks) {
  WorldsAhead ahead;
  ahead.prepare(small_world());
  auto world = ahead.take(small_world());
  EXPECT_EQ(ahead.taken_ready(), 1);
  auto p = world->spawn(shell("echo hello > greeting; cat greeting"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_EQ(p->stdout_text(), "hello\n");
  ahead.next();  // as a check does once its first program runs
  auto second = ahead.take(small_world());
  EXPECT_EQ(ahead.taken_ready(), 2);
  EXPECT_NE(second->init_pid(), world->init_pid());
  ahead.end(std::move(second));
  ahead.end(std::move(world));
}

TEST_F(WorldsAheadTest, OtherOptionsOrAWorldThatCannotWaitAreMadeWhenAsked) {
  WorldsAhead ahead;
  ahead.prepare(small_world());
  WorldOptions bigger = small_world();
  bigger.shm_mb = 8;
  auto world = ahead.take(bigger);
  EXPECT_EQ(ahead.taken_ready(), 0) << "a world made for 4 MiB of /dev/shm was given for 8";
  auto p = world->spawn(shell("df -k /dev/shm | tail -1"));
  ASSERT_TRUE(p->wait().exited_with(0)) << p->stderr_text();
  EXPECT_NE(p->stdout_text().find("8192"), std::string::npos) << p->stdout_text();

  WorldOptions timed = small_world();
  timed.cores_to_itself = true;  // holds the machine's lock while it lives: never made to wait idle
  EXPECT_FALSE(WorldsAhead::can_wait(timed));
  ahead.prepare(timed);
  auto own = ahead.take(timed);
  EXPECT_EQ(ahead.taken_ready(), 0);
}

TEST_F(WorldsAheadTest, AWorldLetGoEndsAtOnceAndLeavesNothing) {
  pid_t init = -1, program = -1;
  {
    WorldsAhead ahead;
    auto world = ahead.take(small_world());
    init = world->init_pid();
    auto sleeper = world->spawn(shell("exec sleep 30"));
    program = sleeper->pid();
    ahead.end(std::move(world));
    EXPECT_TRUE(sleeper->finished()) << "its program still runs after the world's end";
    // A world made ahead and never taken is torn down with the object.
  }
  EXPECT_TRUE(gone(program));
  EXPECT_TRUE(gone(init)) << "the world's init " << init << " was left behind";
}

TEST_F(WorldsAheadTest, TheNextWorldIsBegunByTheLastOnesEnd) {
  WorldsAhead ahead;
  auto first = ahead.take(small_world());  // made now: nothing was prepared
  EXPECT_EQ(ahead.taken_ready(), 0);
  ahead.end(std::move(first));
  auto second = ahead.take(small_world());
  EXPECT_EQ(ahead.taken_ready(), 1) << "the end of a world did not begin the next";
  ahead.end(std::move(second));
}

TEST_F(WorldsAheadTest, AWorldMadeAheadAndNeverTakenLeavesNothing) {
  const std::size_t children_before = children_now();
  pid_t init = -1;
  {
    WorldsAhead ahead;
    ahead.prepare(small_world());
    auto taken = ahead.take(small_world());  // waits for the first
    init = taken->init_pid();
    ahead.next();  // and one more, never taken
  }
  EXPECT_TRUE(gone(init));
  EXPECT_EQ(children_now(), children_before) << "a world made ahead and never taken was left behind";
}

// A check that has the submission's cores to itself: the thread never makes
// a world meanwhile, and a take() does not wait for it.
TEST_F(WorldsAheadTest, AWorldIsNeverMadeWhileACheckHasTheCoresToItself) {
  TempDir dir("labgrade-ahead-");
  const auto lock = dir.path() / "cores.lock";
  SharedCores check(lock);
  check.own();
  WorldsAhead ahead(lock);
  ahead.prepare(small_world());
  std::this_thread::sleep_for(50ms);
  const auto asked = std::chrono::steady_clock::now();
  auto world = ahead.take(small_world());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
  EXPECT_EQ(ahead.taken_ready(), 0) << "a world was made while a check had the cores to itself";
  check.release();
  ahead.end(std::move(world));
}

}  // namespace
}  // namespace labgrade
