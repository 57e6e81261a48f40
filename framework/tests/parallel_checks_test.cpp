// A submission's checks in several runners: a check and what it needs stay
// in one runner, each group is run once, by the first runner to reach it,
// and a world that needs the cores to itself waits for every other.
#include "labgrade/parallel_checks.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::lab_with;

std::vector<std::string> all(const LabSpec& lab) {
  std::vector<std::string> tests;
  for (const auto& c : lab.checks) tests.push_back(c.test);
  return tests;
}

TEST(CheckGroups, ACheckRunsWithWhatItNeeds) {
  // A ← C and B ← D ← E are two groups and G is alone; then F, needing both C and D, joins all five in one.
  const LabSpec lab = lab_with({{"A", {}}, {"B", {}}, {"C", {"A"}}, {"D", {"B"}}, {"E", {"D"}}, {"G", {}}});
  const auto groups = check_groups(lab, all(lab));
  EXPECT_EQ(groups.at("A"), "A");
  EXPECT_EQ(groups.at("C"), "A");
  EXPECT_EQ(groups.at("B"), "B");
  EXPECT_EQ(groups.at("D"), "B");
  EXPECT_EQ(groups.at("E"), "B");
  EXPECT_EQ(groups.at("G"), "G");
  EXPECT_EQ(group_count(groups), 3u);

  const LabSpec joined = lab_with({{"A", {}}, {"B", {}}, {"C", {"A"}}, {"D", {"B"}}, {"F", {"C", "D"}}});
  const auto one = check_groups(joined, all(joined));
  for (const auto& test : all(joined)) EXPECT_EQ(one.at(test), "A") << test;
  EXPECT_EQ(group_count(one), 1u);
}

TEST(CheckGroups, ChecksNotSelectedAreInNoGroup) {
  const LabSpec lab = lab_with({{"A", {}}, {"B", {"A"}}, {"C", {}}});
  const auto groups = check_groups(lab, {"B", "C"});  // check --only B,C: A is not run, B is judged alone
  EXPECT_EQ(groups.count("A"), 0u);
  EXPECT_EQ(groups.at("B"), "B");
  EXPECT_EQ(groups.at("C"), "C");
}

TEST(CheckClaims, EachGroupIsRunByOneRunnerTheFirstToReachIt) {
  TempDir dir("labgrade-claims-");
  const LabSpec lab = lab_with({{"A", {}}, {"B", {}}, {"C", {"A"}}});
  const auto groups = check_groups(lab, all(lab));
  CheckClaims first(dir.path(), groups, 0), second(dir.path(), groups, 1);
  EXPECT_TRUE(first.ours("A"));
  EXPECT_FALSE(second.ours("A"));
  EXPECT_TRUE(second.ours("B"));
  EXPECT_FALSE(first.ours("B"));
  EXPECT_TRUE(first.ours("C")) << "C needs A: it runs where A ran";
  EXPECT_FALSE(second.ours("C"));
  EXPECT_TRUE(first.ours("A")) << "asked again, the same answer";
  EXPECT_FALSE(first.ours("Unknown"));
  EXPECT_EQ(CheckClaims::claimed_by(dir.path(), "A"), 0);
  EXPECT_EQ(CheckClaims::claimed_by(dir.path(), "B"), 1);
  EXPECT_EQ(CheckClaims::claimed_by(dir.path(), "Nobody"), -1);
}

TEST(CheckClaims, ManyRunnersAtOnceClaimEachGroupExactlyOnce) {
  TempDir dir("labgrade-claims-");
  std::vector<std::pair<std::string, std::vector<std::string>>> checks;
  for (int i = 0; i < 200; ++i) checks.push_back({"Check" + std::to_string(i), {}});
  const LabSpec lab = lab_with(checks);
  const auto groups = check_groups(lab, all(lab));
  std::atomic<int> claimed{0};
  std::vector<std::jthread> runners;
  for (int k = 0; k < 8; ++k) {
    runners.emplace_back([&, k] {
      CheckClaims claims(dir.path(), groups, k);
      for (const auto& test : all(lab)) claimed += claims.ours(test) ? 1 : 0;
    });
  }
  runners.clear();
  EXPECT_EQ(claimed.load(), 200);
}

TEST(SharedCores, OwningWaitsUntilNoOneSharesThem) {
  TempDir dir("labgrade-cores-");
  SharedCores sharing(dir.path() / "cores.lock"), owning(dir.path() / "cores.lock");
  sharing.share();
  std::atomic<bool> owned{false};
  std::jthread other([&] {
    owning.own();
    owned = true;
    owning.release();
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(owned.load()) << "a world with the cores to itself started while another check held a world";
  sharing.release();
  other.join();
  EXPECT_TRUE(owned.load());
}

TEST(SharedCores, SharingWaitsWhileOneOwnsThem) {
  TempDir dir("labgrade-cores-");
  SharedCores owning(dir.path() / "cores.lock"), sharing(dir.path() / "cores.lock"), also(dir.path() / "cores.lock");
  also.share();
  sharing.share();  // shares with shares
  sharing.release();
  also.release();
  owning.own();
  std::atomic<bool> shared{false};
  std::jthread other([&] {
    const auto waited = sharing.share();
    shared = true;
    EXPECT_GE(waited, 50ms);
    sharing.release();
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(shared.load());
  owning.release();
  other.join();
  EXPECT_TRUE(shared.load());
}

// Two checks that each hold a world and then ask for the cores to themselves
// never wait for each other forever: flock lets the shared lock go first.
TEST(SharedCores, TwoAskingToOwnAtOnceBothGetThemInTurn) {
  TempDir dir("labgrade-cores-");
  SharedCores a(dir.path() / "cores.lock"), b(dir.path() / "cores.lock");
  a.share();
  b.share();
  std::atomic<int> done{0};
  {
    std::jthread one([&] { a.own(); std::this_thread::sleep_for(20ms); a.release(); ++done; });
    std::jthread two([&] { b.own(); std::this_thread::sleep_for(20ms); b.release(); ++done; });
  }
  EXPECT_EQ(done.load(), 2);
}

}  // namespace
}  // namespace labgrade
