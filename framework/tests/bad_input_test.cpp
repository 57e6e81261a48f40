// Bad input never crashes labgrade: each odd submission is graded, and what
// is wrong with it is a failed check with a reason in the student's terms
// (the fake lab of grading_test.cpp: programs prog and broken).
#include <algorithm>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "c_program.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/reporters.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
    m_submission = m_scratch.path() / "submission";
    fs::create_directories(m_submission);
    fs::copy_file(test::tests_dir() / "data" / "submissions" / "fakelab" / "broken.c", m_submission / "broken.c");
  }

  Report grade(const fs::path& submission) {
    GradeOptions options;
    options.runner = {"/proc/self/exe", "__run-checks"};
    options.cache_dir = m_scratch.path() / "cache";
    options.only = {"Passes"};
    return grade_submission(load_lab_spec(test::tests_dir() / "data" / "labs" / "fakelab" / "lab.toml"), submission,
                            options);
  }
  // The one check that runs prog: failed, with this reason.
  void expect_prog_fails_with(const std::string& reason) {
    Report report = grade(m_submission);
    ASSERT_EQ(report.checks.size(), 1u);
    EXPECT_EQ(report.checks[0].status, CheckResult::Status::failed);
    EXPECT_THAT(report.checks[0].got, HasSubstr(reason));
    EXPECT_EQ(report.exit_code(), 1);
    EXPECT_FALSE(nlohmann::json::parse(format_json(report).dump(), nullptr, false).is_discarded());
  }

  TempDir m_scratch{"labgrade-test-"};
  fs::path m_submission;
};

TEST_F(BadInput, AMissingFileIsNamed) {
  expect_prog_fails_with("prog.c is missing: the submission must contain it");
}

TEST_F(BadInput, ABinaryFileNamedLikeTheSourceIsNotCompiled) {
  fs::copy_file("/bin/true", m_submission / "prog.c");
  expect_prog_fails_with("prog.c is not C source text (it holds NUL bytes");
}

TEST_F(BadInput, AFiftyMegabyteSourceIsRefused) {
  test::write_text(m_submission / "prog.c", "int main(void) { return 0; }\n/*" + std::string(50u << 20, 'x') + "*/\n");
  expect_prog_fails_with("prog.c is 50.0 MiB: too large for a C source (at most 4 MiB)");
}

TEST_F(BadInput, ASymlinkPointingOutsideIsNotFollowed) {
  fs::create_symlink("/etc/passwd", m_submission / "prog.c");
  expect_prog_fails_with("prog.c is a symbolic link to /etc/passwd, outside the submission");
  Report report = grade(m_submission);
  EXPECT_THAT(report.checks[0].got, ::testing::Not(HasSubstr("root:")));
}

TEST_F(BadInput, ASymlinkInsideTheSubmissionIsFollowed) {
  fs::create_directories(m_submission / "src");
  fs::copy_file(test::tests_dir() / "data" / "submissions" / "fakelab" / "prog.c", m_submission / "src" / "prog.c");
  fs::create_symlink("src/prog.c", m_submission / "prog.c");
  Report report = grade(m_submission);
  EXPECT_EQ(report.checks[0].status, CheckResult::Status::passed) << report.checks[0].got;
}

TEST_F(BadInput, AStudentsOwnHeaderIsFound) {
  test::write_text(m_submission / "helper.h", "#define GREETING \"ok\"\n");
  test::write_text(m_submission / "prog.c",
                   "#include <stdio.h>\n#include \"helper.h\"\nint main(void) { puts(GREETING); return 0; }\n");
  Report report = grade(m_submission);
  EXPECT_EQ(report.checks[0].status, CheckResult::Status::passed) << report.checks[0].got;
}

TEST_F(BadInput, SpacesAndNonUtf8BytesInNamesAndOutputKeepTheJsonValid) {
  const fs::path odd = m_scratch.path() / "sub mission \xff\xfe";
  fs::create_directories(odd);
  // A program that prints invalid UTF-8 (and fails, so that the output is quoted in the report).
  test::write_text(odd / "prog.c",
                   "#include <stdio.h>\nint main(void) { fputs(\"\\xff\\xfe\\xc3(\\n\", stderr); return 1; }\n");
  Report report = grade(odd);
  ASSERT_EQ(report.checks.size(), 1u);
  EXPECT_EQ(report.checks[0].status, CheckResult::Status::failed);
  std::string json = format_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << "the JSON report must stay valid UTF-8 JSON";
  EXPECT_THAT(parsed["tests"][0]["output"].get<std::string>(), HasSubstr("exited with status 1"));
}

}  // namespace
}  // namespace labgrade
