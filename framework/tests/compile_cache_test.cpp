// A program compiled before from the very same files is copied, not compiled
// again: a student's unchanged program on a rerun, an unchanged starter file
// across a class. Anything that changes what the compiler sees compiles again.
#include "labgrade/compile_cache.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/builder.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;

class CompileCache : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "no gcc";
    test::write_text(lab_dir() / "lab.toml",
                     "[lab]\nname = \"two\"\nsuite = \"Two\"\n"
                     "[programs.one]\nsources = [\"one.c\"]\n[programs.other]\nsources = [\"other.c\"]\n"
                     "[[checks]]\ntest = \"Runs\"\ntitle = \"it runs\"\n");
    test::write_text(student() / "one.c", "int main(void) { int unused; return 1; }\n");
    test::write_text(student() / "other.c", "int main(void) { return 2; }\n");
  }
  fs::path lab_dir() const { return m_root.path() / "labs" / "two"; }
  fs::path student() const { return m_root.path() / "student"; }
  Builds build(const std::string& into) {
    return build_programs(load_lab_spec(lab_dir() / "lab.toml"), student(), m_root.path() / into, 2, m_root.path() / "cache");
  }
  static int run(const BuildResult& b) { return std::system(b.executable.c_str()) >> 8; }
  TempDir m_root{"labgrade-compile-cache-"};
};

TEST_F(CompileCache, TheSameFilesAreCopiedWithWhatTheCompilerSaid) {
  Builds first = build("first");
  ASSERT_TRUE(first.get("one").ok && first.get("other").ok);
  EXPECT_FALSE(first.get("one").from_cache);
  EXPECT_THAT(first.get("one").warnings(), ::testing::HasSubstr("unused variable"));
  Builds again = build("again");
  EXPECT_TRUE(again.get("one").from_cache);
  EXPECT_TRUE(again.get("other").from_cache);
  EXPECT_EQ(run(again.get("one")), 1);
  EXPECT_EQ(run(again.get("other")), 2);
  EXPECT_EQ(again.get("one").warnings(), first.get("one").warnings()) << "its warnings are still the student's to read";
}

TEST_F(CompileCache, AChangedFileIsCompiledAgainAndOnlyItsProgram) {
  build("first");
  test::write_text(student() / "other.c", "int main(void) { return 3; }\n");
  Builds again = build("again");
  EXPECT_TRUE(again.get("one").from_cache);
  EXPECT_FALSE(again.get("other").from_cache);
  EXPECT_EQ(run(again.get("other")), 3);
  test::write_text(student() / "extra.h", "#define X 1\n");  // a header the compiler would see
  EXPECT_FALSE(build("third").get("one").from_cache);
}

// A cache another user could write (a folder in /tmp) must not hand a planted
// program to a student's code: the compile cache's folder is one of ours
// alone (cache_folder), whatever the umask.
TEST_F(CompileCache, ItsFolderIsOursAlone) {
  const mode_t before = ::umask(0);
  build("first");
  ::umask(before);
  EXPECT_EQ(fs::status(m_root.path() / "cache" / "compiled").permissions(), fs::perms(0755));
  fs::permissions(m_root.path() / "cache" / "compiled", fs::perms::others_write, fs::perm_options::add);
  EXPECT_TRUE(build("again").get("one").from_cache);
  EXPECT_EQ(fs::status(m_root.path() / "cache" / "compiled").permissions(), fs::perms(0755)) << "made ours alone again";
}

TEST_F(CompileCache, ACompileErrorIsNotKept) {
  test::write_text(student() / "one.c", "int main(void) { return }\n");
  EXPECT_FALSE(build("first").get("one").ok);
  const BuildResult again = build("again").get("one");
  EXPECT_FALSE(again.ok);
  EXPECT_FALSE(again.from_cache);
  EXPECT_THAT(again.summary, ::testing::HasSubstr("error"));
}

}  // namespace
}  // namespace labgrade
