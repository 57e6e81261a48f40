// Core shares: a batch's gradings each kept to their own cores, what they
// start kept there too, and a world whose programs need more given them all.
#include "labgrade/core_shares.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "labgrade/check.hpp"
#include "labgrade/process.hpp"
#include "labgrade/world.hpp"

namespace labgrade {
namespace {

// What /proc/self/status of a program started now says of its cores.
std::string cores_of_a_program(World* world) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"};
  auto p = world != nullptr ? world->spawn(options) : Process::spawn(options);
  const ProcessResult& r = p->wait();
  EXPECT_TRUE(r.exited_with(0)) << r.describe() << p->stderr_text();
  std::string text = p->stdout_text();
  text = text.substr(text.find(':') + 1);
  std::erase_if(text, [](char c) { return c == ' ' || c == '\t' || c == '\n'; });
  return text;
}

// Runs `body` on a thread of its own (its affinity is the thread's, never the test's).
template <class F>
void on_a_thread(F body) {
  std::thread t(body);
  t.join();
}

TEST(CoreShares, TextIsAsTasksetWritesIt) {
  EXPECT_EQ(cores_text({0, 1, 2, 3, 6}), "0-3,6");
  EXPECT_EQ(cores_text({1}), "1");
  EXPECT_EQ(cores_text({0, 2, 4, 5}), "0,2,4-5");
  EXPECT_EQ(cores_text({}), "");
}

TEST(CoreShares, CoreCountIsTheCoresThisThreadMayRunOn) {
  EXPECT_EQ(core_count(), static_cast<int>(allowed_cores().size()));
  EXPECT_EQ(cores_text(allowed_cores()), cores_of_a_program(nullptr));
  on_a_thread([] {  // as `taskset -c FIRST labgrade ...` would
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(allowed_cores().front(), &one);
    ASSERT_EQ(::pthread_setaffinity_np(::pthread_self(), sizeof one, &one), 0);
    EXPECT_EQ(core_count(), 1) << "one core allowed is one core, however many the machine has";
  });
}

TEST(CoreShares, TheCoresAreSplitEvenlyAndNoneWhenTheyDoNotGoRound) {
  const Cores all = allowed_cores();
  const int n = static_cast<int>(all.size());
  for (int gradings = 2; gradings <= n; ++gradings) {
    const CoreShares shares(gradings);
    ASSERT_EQ(static_cast<int>(shares.shares().size()), gradings);
    EXPECT_EQ(shares.all(), all);
    std::multiset<int> seen;
    for (const Cores& share : shares.shares()) {
      EXPECT_GE(static_cast<int>(share.size()), n / gradings);
      EXPECT_LE(static_cast<int>(share.size()), n / gradings + 1);
      seen.insert(share.begin(), share.end());
    }
    EXPECT_EQ(Cores(seen.begin(), seen.end()), all) << "every core in exactly one share";
  }
  EXPECT_TRUE(CoreShares(n + 1).shares().empty()) << "more gradings than cores: nobody is kept to a share";
  EXPECT_TRUE(CoreShares(n + 1).all().empty());
  EXPECT_TRUE(CoreShares(1).shares().empty()) << "a single grading has every core";
}

// A grading kept to its share: the thread, and the programs it starts.
TEST(CoreShares, AThreadKeptToItsShareStartsProgramsThere) {
  if (core_count() < 2) GTEST_SKIP() << "one core: nothing to share";
  const CoreShares shares(2);
  on_a_thread([&] {
    shares.keep_this_thread_to(1);
    EXPECT_EQ(allowed_cores(), shares.shares()[1]);
    EXPECT_EQ(cores_of_a_program(nullptr), cores_text(shares.shares()[1]));
  });
  EXPECT_EQ(allowed_cores(), shares.all()) << "other threads keep every core";
}

// A world's programs run on its cores (WorldOptions::cores), whatever the
// thread that starts them is kept to; without, on the thread's.
TEST(CoreShares, AWorldsProgramsRunOnItsCores) {
  if (core_count() < 2) GTEST_SKIP() << "one core: nothing to share";
  const CoreShares shares(2);
  on_a_thread([&] {
    shares.keep_this_thread_to(0);
    WorldOptions options;
    options.shm_mb = 4;
    World kept(options);
    EXPECT_EQ(cores_of_a_program(&kept), cores_text(shares.shares()[0]));
    options.cores = shares.all();
    World everywhere(options);
    EXPECT_EQ(cores_of_a_program(&everywhere), cores_text(shares.all()));
  });
}

// Which worlds a check kept to a share gives every core: those whose
// programs need more (the cores to itself, or a lab's busy-waiting pairs).
TEST(CoreShares, ChecksThatTimeOrBusyWaitGetEveryCore) {
  GradingContext ctx{LabSpec{}, BuildFeed("/nonexistent"), "/tmp"};
  ctx.all_cores = {0, 1, 2, 3};
  EXPECT_TRUE(check_world_options(ctx, false).cores.empty()) << "an ordinary check stays on its share";
  EXPECT_EQ(check_world_options(ctx, true).cores, ctx.all_cores) << "the cores to itself";
  ctx.lab.spinning_is_waiting = true;
  EXPECT_EQ(check_world_options(ctx, false).cores, ctx.all_cores)
      << "a busy-waiting pair hands over only when both run";
  ctx.all_cores.clear();
  EXPECT_TRUE(check_world_options(ctx, true).cores.empty()) << "not kept to a share: the runner's own cores";
}

}  // namespace
}  // namespace labgrade
