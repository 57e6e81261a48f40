// The instructor's batch on the fake lab: every student graded in parallel,
// each student's files, the class's files, and a rerun that grades again
// only what changed.
#include "labgrade/batch.hpp"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "archive_writer.hpp"
#include "c_program.hpp"
#include "labgrade/class_report.hpp"
#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Each check's verdict and what it got, for a failure's message.
std::string checks_of(const Report& report) {
  std::string text;
  for (const auto& c : report.checks) text += "  " + c.test + ": " + c.output() + "\n";
  return text;
}

class Batch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
    const fs::path good = test::tests_dir() / "data" / "submissions" / "fakelab";
    for (const char* name : {"ana", "bo, \"the\" student", "cy"}) {
      fs::create_directories(m_class / name);
      fs::copy(good, m_class / name, fs::copy_options::recursive);
    }
    // cy's prog fails every time.
    test::write_text(m_class / "cy" / "prog.c", "int main(void) { return 3; }\n");
    fs::create_directories(m_class / ".hidden");  // not a student
  }

  BatchResult grade() {
    BatchOptions options;
    options.jobs = 2;
    options.out_dir = m_out;
    options.version = "test";
    options.grading.runner = {"/proc/self/exe", "__run-checks"};
    options.grading.cache_dir = m_scratch.path() / "cache";
    return grade_batch(m_lab, m_class, options);
  }

  TempDir m_scratch{"labgrade-test-"};
  fs::path m_class = m_scratch.path() / "class";
  fs::path m_out = m_scratch.path() / "out";
  LabSpec m_lab = load_lab_spec(test::tests_dir() / "data" / "labs" / "fakelab" / "lab.toml");
};

TEST_F(Batch, EveryStudentIsGradedAndGetsTheirFiles) {
  BatchResult batch = grade();
  ASSERT_EQ(batch.students.size(), 3u);
  EXPECT_EQ(batch.students[0].name, "ana");
  EXPECT_EQ(batch.students[1].name, "bo, \"the\" student");
  EXPECT_EQ(batch.students[2].name, "cy");
  for (const auto& s : batch.students) {
    EXPECT_TRUE(s.graded_now);
    EXPECT_TRUE(s.problem.empty()) << s.problem;
    auto results = nlohmann::json::parse(test::read_text(m_out / s.name / "results.json"));
    EXPECT_EQ(results.at("lab"), "fakelab");
    EXPECT_THAT(test::read_text(m_out / s.name / "feedback.txt"), HasSubstr("points"));
  }
  EXPECT_EQ(batch.students[0].report.score(), batch.students[1].report.score());
  EXPECT_LT(batch.students[2].report.score(), batch.students[0].report.score());
}

TEST_F(Batch, GradesCsvQuotesAsRfc4180AndHasAColumnPerCheck) {
  BatchResult batch = grade();
  const std::string csv = format_grades_csv(m_lab, batch.students);
  EXPECT_THAT(csv, ::testing::StartsWith("name,score,max_score,prog prints ok,the reference sets the stage,"));
  EXPECT_THAT(csv, HasSubstr("\r\n\"bo, \"\"the\"\" student\","));
  EXPECT_THAT(csv, HasSubstr("ERROR")) << "the reference that fails on purpose is a grader error in its column";
  std::size_t rows = 0;
  for (std::size_t at = csv.find("\r\n"); at != std::string::npos; at = csv.find("\r\n", at + 2)) ++rows;
  EXPECT_EQ(rows, 4u);
}

TEST_F(Batch, ClassReportHasTheChartTheRatesAndLinksToFeedback) {
  BatchResult batch = grade();
  write_class_files(m_lab, batch.students, m_out);
  const std::string page = test::read_text(m_out / "report.html");
  EXPECT_THAT(page, HasSubstr("<svg class=\"chart\""));
  EXPECT_THAT(page, HasSubstr("id=\"check-table\""));
  EXPECT_THAT(page, HasSubstr("<a href=\"ana/feedback.txt\">ana</a>"));
  EXPECT_THAT(page, HasSubstr("href=\"bo%2C%20%22the%22%20student/feedback.txt\""));
  EXPECT_THAT(page, HasSubstr("the grader failed in a check")) << "students with grader errors are listed";
  EXPECT_EQ(page.find("http"), std::string::npos) << "self-contained: nothing from the network";
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

TEST_F(Batch, ARerunGradesOnlyWhatChanged) {
  grade();
  test::write_text(m_class / "cy" / "prog.c", test::read_text(m_class / "ana" / "prog.c"));  // cy fixed the bug
  fs::remove(m_out / "ana" / ".labgrade-report.json");  // as if killed before ana's files were whole
  BatchResult again = grade();
  ASSERT_EQ(again.students.size(), 3u);
  EXPECT_TRUE(again.students[0].graded_now) << "ana's stored result was not whole";
  EXPECT_FALSE(again.students[1].graded_now) << "bo did not change";
  EXPECT_TRUE(again.students[2].graded_now) << "cy changed a file";
  EXPECT_EQ(again.students[2].report.score(), again.students[0].report.score())
      << "ana: " << again.students[0].problem << "\n" << checks_of(again.students[0].report) << "cy: "
      << again.students[2].problem << "\n" << checks_of(again.students[2].report);
}

TEST_F(Batch, ArchivesAreStudentsAndABadOneIsTheirFailedEntry) {
  const std::string prog = test::read_text(m_class / "ana" / "prog.c");
  const std::string broken = test::read_text(m_class / "ana" / "broken.c");
  test::write_archive(m_class / "dee.zip", {{"dee-lab/", "", test::Entry::folder}, {"dee-lab/prog.c", prog},
                                            {"dee-lab/broken.c", broken}});
  test::write_archive(m_class / "eve.tar.gz", {{"prog.c", prog}, {"../../evil", "escaped"}}, false);
  BatchResult batch = grade();
  ASSERT_EQ(batch.students.size(), 5u);
  const StudentResult& dee = batch.students[3];
  const StudentResult& eve = batch.students[4];
  EXPECT_EQ(dee.name, "dee");
  EXPECT_TRUE(dee.problem.empty()) << dee.problem;
  EXPECT_EQ(dee.report.score(), batch.students[0].report.score()) << "the folder nested in the zip was found";
  EXPECT_EQ(eve.name, "eve");
  EXPECT_THAT(eve.problem, HasSubstr("climbs out of the submission"));
  EXPECT_FALSE(fs::exists(m_scratch.path() / "evil"));
  EXPECT_FALSE(fs::exists(m_out.parent_path() / "evil"));
  EXPECT_THAT(test::read_text(m_out / "eve" / "feedback.txt"), HasSubstr("could not grade this submission"));
  const std::string csv = format_grades_csv(m_lab, batch.students);
  EXPECT_THAT(csv, HasSubstr("\r\neve,,"));
  EXPECT_THAT(format_class_html(m_lab, batch.students), HasSubstr("not graded: eve.tar.gz: refused"));
}

TEST_F(Batch, AMissingFolderIsAUsageError) {
  EXPECT_THROW(find_submissions(m_scratch.path() / "nowhere"), UsageError);
}

}  // namespace
}  // namespace labgrade
