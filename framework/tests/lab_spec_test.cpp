// lab.toml → LabSpec: what a valid file gives, and how each mistake of an
// instructor is reported (file:line:column: key: what).
#include "labgrade/lab_spec.hpp"

#include <filesystem>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The smallest valid lab; the error tests append to it (line numbers matter).
const std::string k_minimal =
    "[lab]\n"                   // 1
    "name = \"mylab\"\n"        // 2
    "suite = \"MyLab\"\n"       // 3
    "\n"                        // 4
    "[programs.prog]\n"         // 5
    "sources = [\"prog.c\"]\n"  // 6
    "\n"                        // 7
    "[[checks]]\n"              // 8
    "test = \"Runs\"\n"         // 9
    "title = \"it runs\"\n";    // 10
constexpr long k_next_line = 11;

struct Position {
  long line = -1;
  long column = -1;
};

class LabSpecTest : public ::testing::Test {
 protected:
  fs::path labs_dir() const { return m_root.path() / "labs"; }

  fs::path write_lab(const std::string& text, const std::string& folder = "mylab") {
    fs::path file = labs_dir() / folder / "lab.toml";
    test::write_text(file, text);
    return file;
  }

  // Loads `text` as labs/<folder>/lab.toml, expecting a LabSpecError; returns what() ("" when none).
  std::string spec_error(const std::string& text, const std::string& folder = "mylab") {
    m_file = write_lab(text, folder);
    try {
      load_lab_spec(m_file);
    } catch (const LabSpecError& e) {
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected a LabSpecError, got another exception: " << e.what();
      return "";
    }
    ADD_FAILURE() << "expected a LabSpecError, but the lab loaded:\n" << text;
    return "";
  }

  // "FILE:LINE:COLUMN: ..." → {LINE, COLUMN}; {-1, -1} when the message does not start with the file.
  Position position_in(const std::string& message) const {
    const std::string prefix = m_file.string() + ":";
    if (message.rfind(prefix, 0) != 0) return {};
    std::size_t at = prefix.size();
    std::size_t used = 0;
    Position p;
    try {
      p.line = std::stol(message.substr(at), &used);
      at += used;
      if (message[at] != ':') return {};
      p.column = std::stol(message.substr(at + 1), &used);
      if (message[at + 1 + used] != ':') return {};
    } catch (const std::exception&) {
      return {};
    }
    return p;
  }

  TempDir m_root{"labgrade-test-"};
  fs::path m_file;
};

TEST_F(LabSpecTest, MinimalLabGetsTheDocumentedDefaults) {
  fs::path file = write_lab(k_minimal);
  LabSpec lab = load_lab_spec(file);

  EXPECT_EQ(lab.name, "mylab");
  EXPECT_EQ(lab.title, "mylab");  // title defaults to the name
  EXPECT_EQ(lab.suite, "MyLab");
  EXPECT_EQ(lab.file, fs::absolute(file).lexically_normal());
  EXPECT_EQ(lab.dir(), file.parent_path());
  EXPECT_EQ(lab.reference_dir, (m_root.path() / "reference" / "mylab").lexically_normal());
  EXPECT_EQ(lab.compiler, "gcc");
  ASSERT_EQ(lab.variants.size(), 1u);
  EXPECT_EQ(lab.variants[0].name, "default");
  ASSERT_EQ(lab.programs.size(), 1u);
  EXPECT_EQ(lab.programs[0].name, "prog");
  EXPECT_EQ(lab.programs[0].sources, std::vector<std::string>{"prog.c"});
  ASSERT_EQ(lab.checks.size(), 1u);
  const CheckSpec& check = lab.checks[0];
  EXPECT_EQ(check.test, "Runs");
  EXPECT_EQ(check.title, "it runs");
  EXPECT_EQ(check.points, 1.0);
  EXPECT_EQ(check.visibility, "visible");
  EXPECT_TRUE(check.tags.empty());
  EXPECT_EQ(check.timeout, 30.0);
  EXPECT_EQ(check.line, 8);  // where its [[checks]] header stands
  EXPECT_EQ(lab.max_score(), 1.0);
  EXPECT_TRUE(lab.shm_names.empty());
}

TEST_F(LabSpecTest, FullLabReadsEverySection) {
  const std::string text = R"([lab]
name = "mylab"
title = "My lab"
suite = "MyLab"
reference = "../../solutions/mylab"

[build]
compiler = "cc"
flags = ["-std=c11"]
libs = ["-lrt"]
variants = [{ name = "default", flags = [] }, { name = "small", flags = ["-DBUFFER_SIZE=7"] }]

[programs.producer]
sources = ["producer.c", "common.c"]

[programs.consumer]
sources = ["consumer.c"]

[limits]
time_limit = 2.5
cpu_seconds = 3
memory_mb = 256
file_size_mb = 8
shm_mb = 16
open_files = 32
processes = 10
output_kb = 64

[world]
shm_names = ["SYSUOS", "other"]

[[checks]]
test = "First"
title = "the first"
points = 2.5
visibility = "hidden"
tags = ["a", "b"]
hint = "try harder"
timeout = 12.0

[[checks]]
test = "Second"
title = "the second"
points = 0
)";
  LabSpec lab = load_lab_spec(write_lab(text));

  EXPECT_EQ(lab.title, "My lab");
  EXPECT_EQ(lab.reference_dir, (m_root.path() / "solutions" / "mylab").lexically_normal());
  EXPECT_EQ(lab.compiler, "cc");
  EXPECT_EQ(lab.flags, std::vector<std::string>{"-std=c11"});
  EXPECT_EQ(lab.libs, std::vector<std::string>{"-lrt"});
  ASSERT_EQ(lab.variants.size(), 2u);
  ASSERT_NE(lab.variant("small"), nullptr);
  EXPECT_EQ(lab.variant("small")->flags, std::vector<std::string>{"-DBUFFER_SIZE=7"});
  EXPECT_EQ(lab.variant("large"), nullptr);
  ASSERT_EQ(lab.programs.size(), 2u);
  ASSERT_NE(lab.program("producer"), nullptr);
  EXPECT_EQ(lab.program("producer")->sources, (std::vector<std::string>{"producer.c", "common.c"}));
  EXPECT_EQ(lab.limits.time_limit, 2.5);
  EXPECT_EQ(lab.limits.cpu_seconds, 3);
  EXPECT_EQ(lab.limits.memory_mb, 256);
  EXPECT_EQ(lab.limits.file_size_mb, 8);
  EXPECT_EQ(lab.limits.shm_mb, 16);
  EXPECT_EQ(lab.limits.open_files, 32);
  EXPECT_EQ(lab.limits.processes, 10);
  EXPECT_EQ(lab.limits.output_kb, 64);
  EXPECT_EQ(lab.shm_names, (std::vector<std::string>{"SYSUOS", "other"}));
  ASSERT_EQ(lab.checks.size(), 2u);
  const CheckSpec* first = lab.check("First");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->points, 2.5);
  EXPECT_EQ(first->visibility, "hidden");
  EXPECT_EQ(first->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(first->hint, "try harder");
  EXPECT_EQ(first->timeout, 12.0);
  EXPECT_EQ(lab.check("Second")->points, 0.0);
  EXPECT_EQ(lab.check("Third"), nullptr);
  EXPECT_EQ(lab.max_score(), 2.5);
}

TEST_F(LabSpecTest, UnknownKeyInACheckNamesTheKeyAndItsLine) {
  std::string message = spec_error(k_minimal + "colour = 1\n");
  EXPECT_THAT(message, HasSubstr("checks[0].colour: unknown key"));
  Position at = position_in(message);
  EXPECT_EQ(at.line, k_next_line) << message;
  EXPECT_GE(at.column, 1) << message;
}

// needs: checks listed above it; a name that is not one is an error at its line.
TEST_F(LabSpecTest, NeedsNamesChecksAboveIt) {
  const std::string two = k_minimal + "\n[[checks]]\ntest = \"Second\"\ntitle = \"second\"\nneeds = [\"Runs\"]\n";
  const LabSpec lab = load_lab_spec(write_lab(two));
  EXPECT_EQ(lab.check("Second")->needs, (std::vector<std::string>{"Runs"}));
  EXPECT_TRUE(lab.check("Runs")->needs.empty());
  std::string message = spec_error(k_minimal + "needs = [\"Later\"]\n\n[[checks]]\ntest = \"Later\"\ntitle = \"later\"\n");
  EXPECT_THAT(message, HasSubstr("checks[0].needs: no check \"Later\" above this one"));
  EXPECT_EQ(position_in(message).line, k_next_line) << message;
  EXPECT_THAT(spec_error(k_minimal + "needs = [\"Runs\"]\n"), HasSubstr("no check \"Runs\" above this one"));
}

TEST_F(LabSpecTest, UnknownTopLevelTableIsAnError) {
  std::string message = spec_error(k_minimal + "[extras]\nanswer = 42\n");
  EXPECT_THAT(message, HasSubstr(": extras: unknown key"));
  EXPECT_EQ(position_in(message).line, k_next_line) << message;
}

TEST_F(LabSpecTest, UnknownKeyInLabTableIsAnError) {
  std::string text = k_minimal;
  text.replace(text.find("suite"), 0, "colour = \"red\"\n");  // becomes line 3
  std::string message = spec_error(text);
  EXPECT_THAT(message, HasSubstr("lab.colour: unknown key"));
  EXPECT_EQ(position_in(message).line, 3) << message;
}

TEST_F(LabSpecTest, WrongTypeSaysWhatWasExpected) {
  std::string message = spec_error(k_minimal + "points = \"one\"\n");
  EXPECT_THAT(message, HasSubstr("checks[0].points: expected a number"));
  Position at = position_in(message);
  EXPECT_EQ(at.line, k_next_line) << message;
  EXPECT_GE(at.column, 1) << message;
}

TEST_F(LabSpecTest, IntegerLimitRejectsAFraction) {
  std::string message = spec_error(k_minimal + "\n[limits]\ncpu_seconds = 1.5\n");
  EXPECT_THAT(message, HasSubstr("limits.cpu_seconds: expected an integer"));
  EXPECT_EQ(position_in(message).line, k_next_line + 2) << message;
}

TEST_F(LabSpecTest, NegativePointsAreRejected) {
  std::string message = spec_error(k_minimal + "points = -1\n");
  EXPECT_THAT(message, HasSubstr("checks[0].points: must be at least 0"));
  EXPECT_EQ(position_in(message).line, k_next_line) << message;
}

TEST_F(LabSpecTest, UnknownVisibilityIsRejected) {
  std::string message = spec_error(k_minimal + "visibility = \"secret\"\n");
  EXPECT_THAT(message, HasSubstr("checks[0].visibility: expected visible, hidden"));
  EXPECT_EQ(position_in(message).line, k_next_line) << message;
}

TEST_F(LabSpecTest, MissingProgramsIsAnError) {
  std::string text = k_minimal;
  text.erase(text.find("[programs.prog]"), std::string("[programs.prog]\nsources = [\"prog.c\"]\n").size());
  std::string message = spec_error(text);
  EXPECT_THAT(message, HasSubstr(": programs: missing"));
  EXPECT_GE(position_in(message).line, 1) << message;
}

TEST_F(LabSpecTest, ProgramWithoutSourcesIsAnError) {
  std::string text = k_minimal;
  text.erase(text.find("sources = [\"prog.c\"]\n"), std::string("sources = [\"prog.c\"]\n").size());
  std::string message = spec_error(text);
  EXPECT_THAT(message, HasSubstr("programs.prog.sources: missing"));
  EXPECT_EQ(position_in(message).line, 5) << message;
}

TEST_F(LabSpecTest, MissingChecksIsAnError) {
  std::string text = k_minimal.substr(0, k_minimal.find("[[checks]]"));
  std::string message = spec_error(text);
  EXPECT_THAT(message, HasSubstr(": checks: missing"));
}

TEST_F(LabSpecTest, TomlSyntaxErrorGivesItsPosition) {
  std::string message = spec_error(k_minimal + "points = = 2\n");
  Position at = position_in(message);
  EXPECT_EQ(at.line, k_next_line) << message;
  EXPECT_GT(at.column, 1) << message;
}

TEST_F(LabSpecTest, UnterminatedStringGivesItsLine) {
  std::string text = k_minimal;
  text.replace(text.find("\"MyLab\""), std::string("\"MyLab\"").size(), "\"MyLab");
  std::string message = spec_error(text);
  EXPECT_EQ(position_in(message).line, 3) << message;
}

TEST_F(LabSpecTest, NameMustMatchTheFolder) {
  std::string message = spec_error(k_minimal, "otherlab");
  EXPECT_THAT(message, HasSubstr("lab.name: \"mylab\" does not match its folder \"otherlab\""));
  EXPECT_EQ(position_in(message).line, 2) << message;
}

TEST_F(LabSpecTest, DuplicateCheckPointsAtTheSecondOne) {
  std::string message = spec_error(k_minimal + "\n[[checks]]\ntest = \"Runs\"\ntitle = \"runs again\"\n");
  EXPECT_THAT(message, HasSubstr("checks[1].test: duplicate check \"Runs\""));
  EXPECT_EQ(position_in(message).line, k_next_line + 2) << message;
}

TEST_F(LabSpecTest, DuplicateVariantIsAnError) {
  std::string message = spec_error(k_minimal + "\n[build]\nvariants = [{ name = \"a\" }, { name = \"a\" }]\n");
  EXPECT_THAT(message, HasSubstr("build.variants[1].name: duplicate variant \"a\""));
  EXPECT_EQ(position_in(message).line, k_next_line + 2) << message;
}

TEST_F(LabSpecTest, LabSpecErrorIsAUsageError) {
  fs::path file = write_lab(k_minimal + "colour = 1\n");
  EXPECT_THROW(load_lab_spec(file), UsageError);
}

TEST_F(LabSpecTest, MissingFileIsAUsageError) {
  try {
    load_lab_spec(labs_dir() / "nothing" / "lab.toml");
    ADD_FAILURE() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr((labs_dir() / "nothing" / "lab.toml").string()));
  }
}

TEST_F(LabSpecTest, FindLabLoadsByName) {
  write_lab(k_minimal);
  LabSpec lab = find_lab(labs_dir(), "mylab");
  EXPECT_EQ(lab.name, "mylab");
}

TEST_F(LabSpecTest, FindLabWithUnknownLabNamesTheLabsDirectory) {
  write_lab(k_minimal);
  try {
    find_lab(labs_dir(), "no-such-lab");
    ADD_FAILURE() << "expected a UsageError";
  } catch (const LabSpecError& e) {
    ADD_FAILURE() << "an unknown lab is a usage error, not a lab spec error: " << e.what();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-lab"));
    EXPECT_THAT(e.what(), HasSubstr(labs_dir().string()));
  }
}

TEST_F(LabSpecTest, ListLabsSortsByName) {
  std::string b = k_minimal;
  b.replace(b.find("\"mylab\""), std::string("\"mylab\"").size(), "\"b-lab\"");
  std::string a = k_minimal;
  a.replace(a.find("\"mylab\""), std::string("\"mylab\"").size(), "\"a-lab\"");
  write_lab(b, "b-lab");
  write_lab(a, "a-lab");
  fs::create_directories(labs_dir() / "not-a-lab");
  auto labs = list_labs(labs_dir());
  ASSERT_EQ(labs.size(), 2u);
  EXPECT_EQ(labs[0].name, "a-lab");
  EXPECT_EQ(labs[1].name, "b-lab");
}

TEST(RealLabs, PosixShmLoadsWithTenChecks) {
  const fs::path labs = test::source_dir() / "labs";
  LabSpec lab = load_lab_spec(labs / "posix-shm" / "lab.toml");
  EXPECT_EQ(lab.name, "posix-shm");
  EXPECT_EQ(lab.suite, "PosixShm");
  EXPECT_EQ(lab.checks.size(), 10u);
  EXPECT_EQ(lab.max_score(), 10.0);
  EXPECT_NE(lab.program("shm_producer"), nullptr);
  EXPECT_NE(lab.program("shm_consumer"), nullptr);
  EXPECT_EQ(lab.shm_names, std::vector<std::string>{"SYSUOS"});
  EXPECT_EQ(lab.reference_dir, (test::source_dir() / "reference" / "posix-shm").lexically_normal());
  EXPECT_TRUE(fs::is_directory(lab.reference_dir));
  EXPECT_EQ(find_lab(labs, "posix-shm").checks.size(), 10u);
}

}  // namespace
}  // namespace labgrade
