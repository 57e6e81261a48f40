// Every cache's folder is this user's alone: a program in it is run as the
// grader or beside a student's code, so no one else may have put it there.
#include "labgrade/cache_folder.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(CacheFolder, MadeOursAloneWhateverTheUmask) {
  TempDir root("labgrade-cache-");
  const mode_t before = ::umask(0);
  const fs::path dir = cache_folder(root.path() / "cache", fs::path("checks") / "lab");
  ::umask(before);
  EXPECT_EQ(dir, root.path() / "cache" / "checks" / "lab");
  for (const fs::path& made : {root.path() / "cache", root.path() / "cache" / "checks", dir}) {
    EXPECT_EQ(fs::status(made).permissions(), fs::perms(0755)) << made;
  }
}

TEST(CacheFolder, OneOfOursOthersCanWriteIsMadeOursAlone) {
  TempDir root("labgrade-cache-");
  fs::create_directories(root.path() / "cache" / "compiled");
  ::chmod((root.path() / "cache").c_str(), 0777);
  ::chmod((root.path() / "cache" / "compiled").c_str(), 0775);
  cache_folder(root.path() / "cache", "compiled");
  EXPECT_EQ(fs::status(root.path() / "cache").permissions(), fs::perms(0755));
  EXPECT_EQ(fs::status(root.path() / "cache" / "compiled").permissions(), fs::perms(0755));
}

TEST(CacheFolder, ALinkBelowTheCacheFolderIsRefused) {
  TempDir root("labgrade-cache-");
  fs::create_directories(root.path() / "cache");
  fs::create_directories(root.path() / "elsewhere");
  fs::create_directory_symlink(root.path() / "elsewhere", root.path() / "cache" / "compiled");
  try {
    cache_folder(root.path() / "cache", "compiled");
    FAIL() << "a link was trusted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr((root.path() / "cache" / "compiled").string()));
    EXPECT_THAT(e.what(), HasSubstr("LABGRADE_CACHE_DIR"));
  }
}

TEST(CacheFolder, AnotherUsersFolderIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can give a folder to another user";
  TempDir root("labgrade-cache-");
  fs::create_directories(root.path() / "cache" / "reference" / "lab");
  ASSERT_EQ(::chown((root.path() / "cache" / "reference").c_str(), 65534, 65534), 0);
  try {
    cache_folder(root.path() / "cache", fs::path("reference") / "lab");
    FAIL() << "another user's folder was trusted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("belongs to uid 65534"));
  }
}

}  // namespace
}  // namespace labgrade
