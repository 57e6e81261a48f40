// Reporters against golden files in framework/tests/golden/.
//
// To regenerate the golden files after an intended change of a format, run
//   LABGRADE_UPDATE_GOLDEN=1 build/framework/tests/framework_tests --gtest_filter='Reporters*'
// then read the diff (git diff framework/tests/golden) before committing it.
#include "labgrade/reporters.hpp"

#include "labgrade/class_report.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// One check of each kind: passed, failed (expected/got/hint), advisory
// failed at 0 points, grader error, skipped (a check it needs failed).
Report fixed_report() {
  Report report;
  report.lab = "posix-shm";
  report.title = "POSIX shared memory";
  report.submission = "/submissions/ana";
  report.execution_time = 1.23456;
  report.isolation = "namespaces";

  CheckResult passed;
  passed.test = "BothProgramsBuild";
  passed.title = "both programs build";
  passed.status = CheckResult::Status::passed;
  passed.score = 1;
  passed.max_score = 1;
  passed.tags = {"build"};
  passed.seconds = 0.5;
  report.checks.push_back(passed);

  CheckResult failed;
  failed.test = "ConsumerRemovesObject";
  failed.title = "consumer removes the shared memory object";
  failed.status = CheckResult::Status::failed;
  failed.score = 0;
  failed.max_score = 2;
  failed.expected = "/dev/shm to be empty";
  failed.got = "SYSUOS (4096 bytes)";
  failed.hint = "call shm_unlink(name) when you are done";
  failed.tags = {"consumer", "cleanup"};
  failed.visibility = "hidden";
  report.checks.push_back(failed);

  CheckResult advisory;
  advisory.test = "ErrorsOnStderr";
  advisory.title = "errors go to stderr";
  advisory.status = CheckResult::Status::failed;
  advisory.score = 0;
  advisory.max_score = 0;
  advisory.expected = "your shm_consumer to print an error message on stderr";
  advisory.got = "nothing on stderr; its stdout: \"shm_open: No such file or directory\\n\"";
  advisory.hint = "use perror";
  advisory.tags = {"style"};
  report.checks.push_back(advisory);

  CheckResult error;
  error.test = "ConsumerPrintsStoredMessage";
  error.title = "consumer prints the stored message";
  error.status = CheckResult::Status::grader_error;
  error.score = 0;
  error.max_score = 1;
  error.expected = "the reference shm_producer to exit with status 0";
  error.got = "the reference shm_producer exited with status 3";
  error.hint = "the reference program failed while setting up the check";
  report.checks.push_back(error);

  CheckResult skipped;
  skipped.test = "EndToEnd";
  skipped.title = "your producer and consumer end to end";
  skipped.status = CheckResult::Status::skipped;
  skipped.max_score = 1;
  skipped.got = "it needs \"consumer removes the shared memory object\", which failed: fix that first";
  skipped.blocked_by = "ConsumerRemovesObject";
  skipped.seconds = 0.001;
  report.checks.push_back(skipped);
  return report;
}

fs::path golden_dir() { return test::tests_dir() / "golden"; }

// Compares `actual` with the golden file, or rewrites it under LABGRADE_UPDATE_GOLDEN=1.
void expect_golden(const std::string& name, const std::string& actual) {
  const fs::path file = golden_dir() / name;
  const char* update = std::getenv("LABGRADE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    test::write_text(file, actual);
    std::cerr << "wrote " << file << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(file)) << file << " is missing: run with LABGRADE_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(actual, test::read_text(file)) << "differs from " << file
                                           << " (LABGRADE_UPDATE_GOLDEN=1 regenerates it, if the change is meant)";
}

TEST(Reporters, TextWithoutColourMatchesGolden) {
  const std::string text = format_text(fixed_report(), TextStyle{.colour = false});
  EXPECT_EQ(text.find('\033'), std::string::npos) << "escape codes without colour";
  expect_golden("report.txt", text);
}

TEST(Reporters, JsonMatchesGolden) {
  expect_golden("report.json", format_json(fixed_report()).dump(2) + "\n");
}

TEST(Reporters, GradescopeMatchesGolden) {
  expect_golden("report.gradescope.json", format_gradescope(fixed_report()).dump(2) + "\n");
}

// Gradescope's results.json fields (its autograder specification): the
// top-level ones labgrade writes, and every test's.
TEST(Reporters, GradescopeHasItsFieldsWithTheirTypes) {
  const auto json = format_gradescope(fixed_report());
  std::set<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"score", "max_score", "execution_time", "output", "tests"}));
  EXPECT_TRUE(json.at("score").is_number());
  EXPECT_TRUE(json.at("execution_time").is_number());
  EXPECT_THAT(json.at("output").get<std::string>(), HasSubstr("the grader itself failed"));
  const std::set<std::string> visibilities = {"hidden", "after_due_date", "after_published", "visible"};
  for (const auto& t : json.at("tests")) {
    EXPECT_TRUE(t.at("name").is_string());
    EXPECT_TRUE(t.at("score").is_number());
    EXPECT_TRUE(t.at("max_score").is_number());
    EXPECT_TRUE(t.at("status") == "passed" || t.at("status") == "failed") << t.dump();
    EXPECT_TRUE(t.at("output").is_string());
    EXPECT_TRUE(t.at("tags").is_array());
    EXPECT_EQ(visibilities.count(t.at("visibility").get<std::string>()), 1u) << t.dump();
  }
}

// The gradebook: the fixed report's lab as lab.toml would list it, three
// students (one whose name needs quoting, one that could not be graded).
TEST(Reporters, GradesCsvMatchesGolden) {
  LabSpec lab;
  lab.name = "posix-shm";
  lab.title = "POSIX shared memory";
  for (const auto& c : fixed_report().checks) {
    CheckSpec spec;
    spec.test = c.test;
    spec.title = c.test == "ConsumerPrintsStoredMessage" ? "consumer prints \"Hello, World!\"" : c.title;
    spec.points = c.max_score;
    lab.checks.push_back(spec);
  }
  std::vector<StudentResult> students(3);
  students[0].name = "ana";
  students[0].report = fixed_report();
  students[1].name = "bo, \"the\" student";
  students[1].report = fixed_report();
  students[1].report.checks[1].status = CheckResult::Status::passed;
  students[1].report.checks[1].score = 2;
  students[2].name = "cy";
  students[2].problem = "cy.zip: not an archive labgrade can read";
  expect_golden("grades.csv", format_grades_csv(lab, students));
}

TEST(Reporters, JunitMatchesGolden) {
  expect_golden("report.junit.xml", format_junit(fixed_report()));
}

TEST(Reporters, JunitIsValidXmlWhateverTheProgramsPrinted) {
  Report report = fixed_report();
  std::string got = "bytes \xff\xfe, a NUL ";
  got += '\0';
  got += ", an escape \x1b[31m, markup </failure> & \"quotes\"";
  report.checks[1].got = got;
  const std::string xml = format_junit(report);
  EXPECT_THAT(xml, HasSubstr("markup &lt;/failure&gt; &amp; &quot;quotes&quot;"));
  EXPECT_EQ(xml.find('\0'), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_EQ(xml.find("\xff"), std::string::npos);
  EXPECT_THAT(xml, HasSubstr("bytes \xEF\xBF\xBD\xEF\xBF\xBD, a NUL \xEF\xBF\xBD"));
  EXPECT_THAT(xml, HasSubstr("tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"2\""));
}

TEST(Reporters, JsonHasExactlyTheDocumentedKeys) {
  const auto json = format_json(fixed_report());
  std::set<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"lab", "score", "max_score", "execution_time", "isolation", "version",
                                          "warnings", "causes", "tests"}));
  EXPECT_EQ(json.at("lab"), "posix-shm");
  EXPECT_EQ(json.at("score"), 1.0);
  EXPECT_EQ(json.at("max_score"), 5.0);
  EXPECT_EQ(json.at("execution_time"), 1.235);
  EXPECT_EQ(json.at("isolation"), "namespaces");
  EXPECT_EQ(json.at("version"), LABGRADE_VERSION);
  // One cause: the failed check, and the check skipped because of it.
  ASSERT_EQ(json.at("causes").size(), 1u);
  EXPECT_EQ(json.at("causes")[0].at("id"), "ConsumerRemovesObject");
  EXPECT_EQ(json.at("causes")[0].at("checks"), (nlohmann::ordered_json{"ConsumerRemovesObject", "EndToEnd"}));

  ASSERT_TRUE(json.at("tests").is_array());
  ASSERT_EQ(json.at("tests").size(), 5u);
  const std::set<std::string> statuses = {"passed", "failed", "skipped"};
  for (const auto& t : json.at("tests")) {
    std::set<std::string> test_keys;
    for (const auto& [key, value] : t.items()) test_keys.insert(key);
    std::set<std::string> expected_keys{"name", "id", "score", "max_score", "status", "output", "tags", "visibility", "duration"};
    if (t.at("status") == "skipped") expected_keys.insert("blocked_by");
    EXPECT_EQ(test_keys, expected_keys);
    EXPECT_EQ(statuses.count(t.at("status").get<std::string>()), 1u) << t.dump();
  }
  const auto& tests = json.at("tests");
  EXPECT_EQ(tests[0].at("status"), "passed");
  EXPECT_EQ(tests[0].at("output"), "");
  EXPECT_EQ(tests[1].at("status"), "failed");
  EXPECT_EQ(tests[1].at("visibility"), "hidden");
  EXPECT_THAT(tests[1].at("output").get<std::string>(), HasSubstr("expected /dev/shm to be empty"));
  EXPECT_THAT(tests[1].at("output").get<std::string>(), HasSubstr("hint: call shm_unlink"));
  EXPECT_EQ(tests[2].at("max_score"), 0.0);
  EXPECT_EQ(tests[3].at("status"), "failed");  // a grader error is not "passed" to an autograder
  EXPECT_THAT(tests[3].at("output").get<std::string>(), HasSubstr("grader error"));
  EXPECT_EQ(tests[4].at("status"), "skipped");
  EXPECT_EQ(tests[4].at("id"), "EndToEnd");
  EXPECT_EQ(tests[4].at("blocked_by"), "ConsumerRemovesObject");
  EXPECT_THAT(tests[4].at("output").get<std::string>(), HasSubstr("skipped: it needs"));
  EXPECT_EQ(tests[0].at("duration"), 0.5);
}

TEST(Reporters, PrairieLearnMatchesGolden) {
  expect_golden("report.prairielearn.json", format_prairielearn(fixed_report()).dump(2) + "\n");
}

// PrairieLearn's external grading results: score in 0..1, tests with their
// points; a grader error makes the submission not gradable (no attempt lost).
TEST(Reporters, PrairieLearnHasItsFields) {
  Report report = fixed_report();
  report.checks.erase(report.checks.begin() + 3);  // no grader error
  const auto json = format_prairielearn(report);
  EXPECT_EQ(json.at("gradable"), true);
  EXPECT_DOUBLE_EQ(json.at("score").get<double>(), 1.0 / 4.0);
  EXPECT_FALSE(json.contains("format_errors"));
  for (const auto& t : json.at("tests")) {
    for (const char* key : {"name", "description", "points", "max_points", "message", "output"}) EXPECT_TRUE(t.contains(key)) << key;
  }
  const auto broken = format_prairielearn(fixed_report());
  EXPECT_EQ(broken.at("gradable"), false);
  EXPECT_THAT(broken.at("format_errors").get<std::string>(), HasSubstr("the grader itself failed"));
}

// However much the programs printed, the results stay under PrairieLearn's 1 MB.
TEST(Reporters, PrairieLearnStaysUnderOneMegabyte) {
  Report report = fixed_report();
  for (auto& c : report.checks) c.got = std::string(4 << 20, 'x');
  const std::string text = format_prairielearn(report).dump(2);
  EXPECT_LT(text.size(), 1000000u);
  EXPECT_THAT(text, HasSubstr("more bytes)"));
}

// A test's JUnit name is the same whether it passes or fails (CI keeps its history by name).
TEST(Reporters, JunitNamesDoNotChangeWithTheOutcome) {
  Report failing = fixed_report();
  Report passing = fixed_report();
  for (auto& c : passing.checks) {
    c.status = CheckResult::Status::passed;
    c.score = c.max_score;
  }
  auto names = [](const std::string& xml) {
    std::vector<std::string> out;
    for (std::size_t at = 0; (at = xml.find("<testcase ", at)) != std::string::npos; ++at) {
      const std::size_t begin = xml.find(" name=\"", at) + 7;
      out.push_back(xml.substr(begin, xml.find('"', begin) - begin));
    }
    return out;
  };
  EXPECT_EQ(names(format_junit(failing)), names(format_junit(passing)));
  EXPECT_EQ(names(format_junit(failing)).size(), 5u);
  EXPECT_THAT(format_junit(failing), HasSubstr("<property name=\"max_score\" value=\"2\"/>"));
}

TEST(Reporters, TextOpensWithTheCauseToFixFirst) {
  const std::string text = format_text(fixed_report(), TextStyle{.colour = false});
  EXPECT_THAT(text, HasSubstr("fix this first: consumer removes the shared memory object (the cause of 2 failed or skipped checks)"));
  EXPECT_THAT(text, HasSubstr("SKIP your producer and consumer end to end"));
  EXPECT_THAT(text, HasSubstr("skipped:    it needs \"consumer removes the shared memory object\""));
  EXPECT_THAT(text, HasSubstr("1 check failed, 1 skipped"));
}

TEST(Reporters, TextWithColourPaintsTheMarks) {
  const std::string text = format_text(fixed_report(), TextStyle{.colour = true});
  EXPECT_THAT(text, HasSubstr("\033[32mPASS\033[0m"));
  EXPECT_THAT(text, HasSubstr("\033[31mFAIL\033[0m"));
}

TEST(Reporters, TextSaysWhenIsolationWasOff) {
  Report report = fixed_report();
  report.isolation = "off";
  report.isolation_note = "clone: Operation not permitted";
  const std::string text = format_text(report, TextStyle{.colour = false});
  EXPECT_THAT(text, HasSubstr("isolation was off (clone: Operation not permitted)"));
  EXPECT_THAT(format_text(fixed_report(), TextStyle{.colour = false}), ::testing::Not(HasSubstr("isolation")));
}

// --keep: under a kept check, the command that replays it; no other format carries it.
TEST(Reporters, TextSaysHowToReplayAKeptCheckAndTheOtherFormatsDoNotChange) {
  Report report = fixed_report();
  report.checks[1].replay = "sh kept/ConsumerRemovesObject/replay.sh";
  EXPECT_THAT(format_text(report, TextStyle{}),
              HasSubstr("       hint:       call shm_unlink(name) when you are done\n"
                        "       replay:     sh kept/ConsumerRemovesObject/replay.sh\n"
                        "  NOTE errors go to stderr"));
  EXPECT_EQ(format_json(report), format_json(fixed_report()));
  EXPECT_EQ(format_gradescope(report), format_gradescope(fixed_report()));
  EXPECT_EQ(format_junit(report), format_junit(fixed_report()));
  EXPECT_EQ(format_prairielearn(report), format_prairielearn(fixed_report()));
}

TEST(Reporters, TextSummaryOfAllPassed) {
  Report report = fixed_report();
  report.checks.resize(1);
  EXPECT_THAT(format_text(report, TextStyle{.colour = false}), HasSubstr("1/1 points, all checks passed in 1.23 s"));
}

}  // namespace
}  // namespace labgrade
