// The builds reach the check runners as they finish: a check waits for the
// program it runs, never for the others, and a program that the grader
// never builds is Builds::get's error once the feed has ended.
#include "labgrade/build_feed.hpp"

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"

namespace labgrade {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

BuildResult built(const std::string& program, bool ok = true) {
  BuildResult b;
  b.program = program;
  b.variant = "default";
  b.ok = ok;
  b.executable = "/build/" + program;
  b.summary = ok ? "" : program + ".c:3: error: expected ';'";
  return b;
}

TEST(BuildFeed, ACheckWaitsForTheProgramItRunsOnly) {
  TempDir dir("labgrade-feed-");
  BuildFeedWriter writer(dir.path() / "builds.jsonl");
  BuildFeed feed(dir.path() / "builds.jsonl");
  writer.add(Whose::reference, built("producer"));
  writer.add(Whose::student, built("consumer", false));
  const auto asked = std::chrono::steady_clock::now();
  std::jthread compiler([&] {
    std::this_thread::sleep_for(150ms);
    writer.add(Whose::student, built("producer"));
    writer.end();
  });
  const BuildResult& consumer = feed.get(Whose::student, "consumer", "default");
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 100ms) << "waited for a program it does not run";
  EXPECT_FALSE(consumer.ok);
  EXPECT_EQ(consumer.summary, "consumer.c:3: error: expected ';'");
  EXPECT_EQ(feed.get(Whose::reference, "producer", "default").executable, "/build/producer");
  const BuildResult& producer = feed.get(Whose::student, "producer", "default");
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 140ms);
  EXPECT_TRUE(producer.ok);
  EXPECT_EQ(producer.executable, "/build/producer");
}

TEST(BuildFeed, AProgramNeverBuiltIsAnErrorOnceTheFeedEnds) {
  TempDir dir("labgrade-feed-");
  BuildFeedWriter writer(dir.path() / "builds.jsonl");
  BuildFeed feed(dir.path() / "builds.jsonl");
  writer.add(Whose::student, built("producer"));
  writer.end();
  try {
    feed.get(Whose::student, "producr", "default");
    FAIL() << "no error";
  } catch (const GraderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("producr"));
  }
  EXPECT_EQ(feed.written(Whose::student).all().size(), 1u);
  EXPECT_TRUE(feed.written(Whose::reference).all().empty());
}

}  // namespace
}  // namespace labgrade
