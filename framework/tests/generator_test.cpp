// [[build.generate]]: a lab's generator steps (rpcgen for the rpc lab) run
// once, before the compiler, over the lab's own files; their outputs are the
// grader's (a submission's file of the same name is never used); a step that
// fails is the lab's mistake, at its line.
#include "labgrade/generator.hpp"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/builder.hpp"
#include "labgrade/error.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A lab whose program is the student's main.c and a gen.c that the lab's
// generator writes from its include/number.txt.
class Generator : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_text(lab_dir() / "include" / "number.txt", "7\n");
    test::write_text(submission() / "main.c", "#include \"gen.h\"\nint main(void) { return number(); }\n");
  }

  fs::path lab_dir() const { return m_root.path() / "labs" / "gen"; }
  fs::path submission() const { return m_root.path() / "student"; }
  fs::path cache() const { return m_root.path() / "cache"; }

  LabSpec lab(const std::string& step) {
    test::write_text(lab_dir() / "lab.toml",
                     "[lab]\nname = \"gen\"\nsuite = \"Gen\"\n"  // 1-3
                     "[[build.generate]]\n" +                    // 4
                         step +
                         "[programs.prog]\nsources = [\"main.c\", \"gen.c\"]\n"
                         "[[checks]]\ntest = \"Runs\"\ntitle = \"it runs\"\n");
    return load_lab_spec(lab_dir() / "lab.toml");
  }

  // Writes gen.c and gen.h from number.txt, and counts its runs in the cache's parent.
  std::string writer() const {
    return "command = [\"sh\", \"-c\", \"echo run >> " + (m_root.path() / "runs").string() +
           "; n=$(cat number.txt); printf 'int number(void) { return %s; }\\\\n' $n > gen.c; "
           "echo 'int number(void);' > gen.h\"]\noutputs = [\"gen.c\", \"gen.h\"]\n";
  }

  TempDir m_root{"labgrade-generator-"};
};

TEST_F(Generator, OutputsAreBuiltWithTheStudentsSourcesAndTheirCopiesAreNotUsed) {
  test::write_text(submission() / "gen.c", "int number(void) { return 99; }\n");  // the student's own: ignored
  test::write_text(submission() / "gen.h", "#error the student's header\n");
  const LabSpec spec = lab(writer());
  EXPECT_TRUE(spec.generated("gen.c"));
  EXPECT_FALSE(spec.generated("main.c"));
  Builds builds = build_programs(spec, submission(), m_root.path() / "build", 1, cache());
  const BuildResult& prog = builds.get("prog");
  ASSERT_TRUE(prog.ok) << prog.diagnostics;
  EXPECT_EQ(std::system(prog.executable.c_str()) >> 8, 7) << "the generated gen.c, not the student's";
}

TEST_F(Generator, RunsOnceAndIsKeptInTheCache) {
  const LabSpec spec = lab(writer());
  const fs::path first = generate_sources(spec, cache());
  const fs::path second = generate_sources(spec, cache());
  EXPECT_EQ(first, second);
  EXPECT_EQ(test::read_text(m_root.path() / "runs"), "run\n");
  EXPECT_FALSE(fs::exists(first / "number.txt")) << "only the outputs are kept";
  test::write_text(lab_dir() / "include" / "number.txt", "8\n");  // the lab's input changed: made again
  EXPECT_NE(generate_sources(spec, cache()), first);
}

TEST_F(Generator, AMissingSourceThatIsGeneratedIsNotTheStudents) {
  const LabSpec spec = lab(writer());
  EXPECT_EQ(submission_mismatch(spec, submission()), "") << "main.c is there";
  fs::remove(submission() / "main.c");
  EXPECT_THAT(submission_mismatch(spec, submission()), HasSubstr("expected main.c;"));
}

TEST_F(Generator, AFailingStepIsTheLabsMistakeAtItsLine) {
  const LabSpec spec = lab("command = [\"sh\", \"-c\", \"echo cannot read calc.x >&2; exit 1\"]\noutputs = [\"gen.c\"]\n");
  try {
    generate_sources(spec, cache());
    FAIL() << "expected a LabSpecError";
  } catch (const LabSpecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("lab.toml:4:"));
    EXPECT_THAT(e.what(), HasSubstr("cannot read calc.x"));
  }
  EXPECT_TRUE(fs::is_empty(cache() / "generated" / "gen")) << "nothing half made is kept";
}

TEST_F(Generator, AStepThatDoesNotWriteAnOutputIsTheLabsMistake) {
  const LabSpec spec = lab("command = [\"true\"]\noutputs = [\"gen.c\"]\n");
  EXPECT_THROW(
      {
        try {
          generate_sources(spec, cache());
        } catch (const LabSpecError& e) {
          EXPECT_THAT(e.what(), HasSubstr("did not write gen.c"));
          throw;
        }
      },
      LabSpecError);
}

TEST_F(Generator, AToolThatIsNotInstalledIsTheMachinesProblem) {
  const LabSpec spec = lab("command = [\"labgrade-no-such-generator\"]\noutputs = [\"gen.c\"]\n");
  try {
    generate_sources(spec, cache());
    FAIL() << "expected a GraderError";
  } catch (const LabSpecError&) {
    FAIL() << "not the lab's mistake";
  } catch (const GraderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("labgrade-no-such-generator, which is not installed"));
  }
}

TEST_F(Generator, StepsAreCheckedWhenTheLabIsRead) {
  auto error = [&](const std::string& step) {
    try {
      lab(step);
    } catch (const LabSpecError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_THAT(error("outputs = [\"gen.c\"]\n"), HasSubstr("build.generate[0].command: missing"));
  EXPECT_THAT(error("command = [\"rpcgen\"]\n"), HasSubstr("build.generate[0].outputs: missing"));
  EXPECT_THAT(error("command = [\"rpcgen\"]\noutputs = [\"../gen.c\"]\n"), HasSubstr("not a plain file name"));
  EXPECT_THAT(error("command = [\"rpcgen\"]\noutputs = [\"gen.c\"]\nsurprise = 1\n"),
              HasSubstr("build.generate[0].surprise: unknown key"));
}

}  // namespace
}  // namespace labgrade
