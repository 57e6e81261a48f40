// The grader's side of its runners: their files are the grader's alone (a
// program without namespaces passes through the grading's folder), and a
// check no runner reported is a grader error, never a pass.
#include "labgrade/check_runners.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(CheckRunners, TheirFilesAreTheGradersAlone) {
  TempDir scratch("labgrade-runners-");
  const LabSpec lab = test::lab_with({{"First", {}}, {"Second", {}}});
  // Runners that end at once without a word (/bin/true ignores its context file).
  CheckRunners runners({lab, {"/bin/true"}, scratch.path(), {"First", "Second"}, 2, Isolation::namespaces, "", true, 10});
  EXPECT_EQ(runners.count(), 2u);
  const fs::path dir = scratch.path() / "runners";
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "builds.jsonl"), 0600u);
  EXPECT_EQ(runners.journal_dir().parent_path(), dir);
  for (const auto& entry : fs::directory_iterator(scratch.path())) {
    EXPECT_EQ(entry.path(), dir) << "a runner's file outside its folder";
  }
  runners.builds_done();
  runners.wait({});
  const auto results = runners.results();
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, CheckResult::Status::grader_error) << r.test;
    EXPECT_THAT(r.got, HasSubstr("did not run"));
  }
}

}  // namespace
}  // namespace labgrade
