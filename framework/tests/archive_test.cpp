// Students' archives, unpacked safely: nothing is ever written outside the
// folder given, whatever the archive holds, and a bad archive says why.
#include "labgrade/archive.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "archive_writer.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Archives : public ::testing::Test {
 protected:
  TempDir m_scratch{"labgrade-test-"};
  fs::path m_archive = m_scratch.path() / "ana.zip";
  fs::path m_into = m_scratch.path() / "out" / "ana";
  // Everything in the scratch folder but the archive and the destination.
  std::vector<std::string> outside() {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(m_scratch.path())) {
      const std::string p = e.path().string();
      if (p == m_archive.string() || p.rfind((m_scratch.path() / "out").string(), 0) == 0) continue;
      found.push_back(p);
    }
    return found;
  }
};

TEST_F(Archives, NamesAndKinds) {
  EXPECT_TRUE(is_archive("a/ana.zip"));
  EXPECT_TRUE(is_archive("bo.tar.gz"));
  EXPECT_TRUE(is_archive("cy.tgz"));
  EXPECT_FALSE(is_archive("notes.txt"));
  EXPECT_EQ(archive_student_name("subs/ana.zip"), "ana");
  EXPECT_EQ(archive_student_name("bo.tar.gz"), "bo");
  EXPECT_EQ(archive_student_name("cy.tgz"), "cy");
}

TEST_F(Archives, AFolderNestedOneDeepIsTheSubmission) {
  test::write_archive(m_archive, {{"ana-lab3/", "", test::Entry::folder}, {"ana-lab3/prog.c", "int main(void) { return 0; }\n"},
                            {"__MACOSX/._prog.c", "litter"}});
  Unpacked u = unpack_submission(m_archive, m_into);
  ASSERT_EQ(u.problem, "");
  EXPECT_EQ(u.root, m_into / "ana-lab3");
  EXPECT_EQ(test::read_text(u.root / "prog.c"), "int main(void) { return 0; }\n");
}

TEST_F(Archives, ATarGzAtTheTopIsTheSubmission) {
  const fs::path tgz = m_scratch.path() / "bo.tar.gz";
  test::write_archive(tgz, {{"prog.c", "x"}, {"helper.h", "y"}}, false);
  Unpacked u = unpack_submission(tgz, m_into);
  ASSERT_EQ(u.problem, "");
  EXPECT_EQ(u.root, m_into);
  EXPECT_TRUE(fs::exists(m_into / "helper.h"));
}

TEST_F(Archives, ClimbingOutIsRefusedAndWritesNothingOutside) {
  test::write_archive(m_archive, {{"prog.c", "fine"}, {"../evil", "escaped"}});
  Unpacked u = unpack_submission(m_archive, m_into);
  EXPECT_THAT(u.problem, HasSubstr("\"../evil\" climbs out of the submission"));
  EXPECT_THAT(outside(), ::testing::IsEmpty());
}

TEST_F(Archives, AnAbsolutePathIsRefused) {
  test::write_archive(m_archive, {{"/tmp/labgrade-absolute-evil", "escaped"}});
  Unpacked u = unpack_submission(m_archive, m_into);
  EXPECT_THAT(u.problem, HasSubstr("is an absolute path"));
  EXPECT_FALSE(fs::exists("/tmp/labgrade-absolute-evil"));
}

TEST_F(Archives, ASymlinkToEtcIsRefused) {
  test::write_archive(m_archive, {{"etc", "", test::Entry::symlink, "/etc"}, {"etc/passwd-copy", "through the link"}});
  Unpacked u = unpack_submission(m_archive, m_into);
  EXPECT_THAT(u.problem, HasSubstr("\"etc\" is a link (to /etc)"));
  EXPECT_FALSE(fs::exists("/etc/passwd-copy"));
}

TEST_F(Archives, AHardLinkIsRefused) {
  test::write_archive(m_archive, {{"prog.c", "x"}, {"shadow", "", test::Entry::hardlink, "/etc/shadow"}}, false);
  Unpacked u = unpack_submission(m_archive, m_into);
  EXPECT_THAT(u.problem, HasSubstr("is a link"));
}

TEST_F(Archives, AZipBombIsStopped) {
  test::write_archive(m_archive, {{"zeros", std::string(24u << 20, '\0')}});
  ASSERT_LT(fs::file_size(m_archive), 200u * 1024) << "the bomb should compress well";
  Unpacked u = unpack_submission(m_archive, m_into);
  EXPECT_THAT(u.problem, HasSubstr("times its size (a zip bomb?)"));
}

TEST_F(Archives, TooManyFilesAreRefused) {
  std::vector<test::Entry> many;
  for (int i = 0; i < 30; ++i) many.push_back({"f" + std::to_string(i), "x"});
  test::write_archive(m_archive, many);
  Unpacked u = unpack_submission(m_archive, m_into, ArchiveLimits{.max_files = 20});
  EXPECT_THAT(u.problem, HasSubstr("more than 20 entries"));
}

TEST_F(Archives, ABrokenArchiveSaysSo) {
  test::write_text(m_archive, "PK\x03\x04 this is not really a zip");
  Unpacked u = unpack_submission(m_archive, m_into);
  EXPECT_THAT(u.problem, ::testing::AnyOf(HasSubstr("damaged"), HasSubstr("cannot be read")));
}

// Each entry's path and permissions, as the archive holds them.
std::map<std::string, int> entry_modes(const fs::path& file) {
  std::map<std::string, int> modes;
  struct archive* a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, file.c_str(), 16384) == ARCHIVE_OK) {
    for (struct archive_entry* e; archive_read_next_header(a, &e) == ARCHIVE_OK;) {
      std::string path = archive_entry_pathname(e);
      if (!path.empty() && path.back() == '/') path.pop_back();
      modes[path] = static_cast<int>(archive_entry_perm(e));
    }
  }
  archive_read_free(a);
  return modes;
}

// A folder packed (a kit) and read back: every file, its bytes and whether it
// runs; the same files give the same archive, byte for byte.
TEST_F(Archives, PackedFolderReadsBackTheSameAndTheSameTwice) {
  const fs::path root = m_scratch.path() / "kit";
  fs::create_directories(root / "labgrade-lab" / "bin");
  std::ofstream(root / "labgrade-lab" / "README.md") << "read me\n";
  std::ofstream(root / "labgrade-lab" / "bin" / "labgrade") << "#!/bin/sh\nexit 0\n";
  fs::permissions(root / "labgrade-lab" / "bin" / "labgrade", fs::perms::owner_all);
  for (const char* name : {"kit.tar.gz", "kit.zip"}) {
    const fs::path first = m_scratch.path() / name;
    const fs::path second = m_scratch.path() / (std::string("again-") + name);
    pack_folder(root, first);
    pack_folder(root, second);
    auto bytes = [](const fs::path& p) {
      std::ifstream in(p, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(in), {});
    };
    EXPECT_EQ(bytes(first), bytes(second)) << name;
    const fs::path into = m_scratch.path() / "back" / name;
    const Unpacked u = unpack_submission(first, into);
    ASSERT_EQ(u.problem, "") << name;
    EXPECT_EQ(bytes(u.root / "README.md"), "read me\n") << name;
    EXPECT_EQ(bytes(u.root / "bin" / "labgrade"), "#!/bin/sh\nexit 0\n") << name;
    EXPECT_EQ(entry_modes(first), (std::map<std::string, int>{{"labgrade-lab", 0755}, {"labgrade-lab/README.md", 0644},
                                                                {"labgrade-lab/bin", 0755}, {"labgrade-lab/bin/labgrade", 0755}}))
        << name;
  }
}

}  // namespace
}  // namespace labgrade
