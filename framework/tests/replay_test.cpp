// Replays by hand (`labgrade check --keep`): the script a journal becomes,
// run for real on stand-in programs; the --keep folder's rules; and the
// fake lab graded with --keep, its replays run and seen to fail the same way.
#include "labgrade/replay_folder.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/replay_script.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/temp_dir.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string script_output(const fs::path& script) {
  const HostCommandResult r = run_on_host({.argv = {"/bin/sh", script.string()}, .time_limit = 30});
  EXPECT_TRUE(r.exited_with(0)) << r.describe() << "\n" << r.err.bytes;
  return r.out.bytes + r.err.bytes;
}

void write_program(const fs::path& file, const std::string& body) {
  test::write_text(file, "#!/bin/sh\n" + body);
  fs::permissions(file, fs::perms::owner_all);
}

ReplayStep step(ReplayStep::Kind kind, double at, int run) {
  ReplayStep s;
  s.kind = kind;
  s.at = at;
  s.run = run;
  return s;
}

ReplayStep ended(double at, int run, const std::string& how, const std::string& text) {
  ReplayStep s = step(ReplayStep::Kind::end, at, run);
  s.how = how;
  s.text = text;
  return s;
}

// Four stand-in programs, one of each kind of step: a program in the
// foreground with stdin and hostile arguments, one whose stdin the grader
// keeps open and writes to, one the grader signals after it printed a line,
// and one that never ends, which the grader kills.
class ReplayScript : public ::testing::Test {
 protected:
  void SetUp() override {
    m_lab.name = "standin";
    m_lab.programs = {{"echoer", {"echoer.c"}}, {"catter", {"catter.c"}}, {"trapper", {"trapper.c"}}, {"looper", {"looper.c"}}};
    m_result.test = "StandIn";
    m_result.title = "stand-ins behave";
    m_result.expected = "the looper to end";
    m_result.got = "it did not\n$(touch " + (m_dir.path() / "pwned-by-got").string() + ")";
    write_program(m_dir.path() / "echoer", "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done; cat; echo 'oops' >&2; exit 3\n");
    write_program(m_dir.path() / "reference-catter", "cat; echo 'catter: end of file'\n");
    write_program(m_dir.path() / "trapper", "trap 'echo got USR1; exit 0' USR1\necho ready\nwhile :; do sleep 0.05; done\n");
    write_program(m_dir.path() / "looper", "while :; do sleep 0.05; done\n");
    test::write_text(m_dir.path() / "1-echoer.stdin", "from stdin\n");
    test::write_text(m_dir.path() / "2-catter.write-1", "written later\n");

    m_record.test = "StandIn";
    m_record.runs = {
        ReplayRun{1, 1, "student", "echoer", "default", {"plain", m_hostile, ""}, true, false, 5},
        ReplayRun{2, 1, "reference", "catter", "default", {}, false, true, 5},
        ReplayRun{3, 1, "student", "trapper", "default", {}, false, false, 5},
        ReplayRun{4, 2, "student", "looper", "default", {}, false, false, 5},
    };
    ReplayStep write = step(ReplayStep::Kind::write_stdin, 0.05, 2);
    write.part = 1;
    write.bytes = 14;
    ReplayStep ready = step(ReplayStep::Kind::note, 0.07, 3);
    ready.look = "line";
    ready.arg = "ready";
    ready.part = 1;
    ready.seconds = 5;
    ready.text = "waited for the line \"ready\"";
    ReplayStep usr1 = step(ReplayStep::Kind::signal, 0.08, 3);
    usr1.signal = SIGUSR1;
    ReplayStep world1 = step(ReplayStep::Kind::world_end, 0.2, 0);
    world1.world = 1;
    ReplayStep world2 = step(ReplayStep::Kind::world_end, 0.5, 0);
    world2.world = 2;
    m_record.steps = {step(ReplayStep::Kind::start, 0.0, 1),
                      ended(0.01, 1, "exited", "exited with status 3"),
                      step(ReplayStep::Kind::start, 0.02, 2),
                      write,
                      step(ReplayStep::Kind::close_stdin, 0.06, 2),
                      step(ReplayStep::Kind::start, 0.065, 3),
                      ended(0.066, 2, "exited", "exited with status 0"),
                      ready,
                      usr1,
                      ended(0.09, 3, "exited", "exited with status 0"),
                      world1,
                      step(ReplayStep::Kind::start, 0.3, 4),
                      ended(0.45, 4, "killed", "the check had failed, so the grader stopped it"),
                      world2};
  }

  fs::path write_script() {
    const fs::path script = m_dir.path() / "replay.sh";
    test::write_text(script, replay_script(m_record, ReplayFacts{m_lab, m_result, "user namespaces"}));
    return script;
  }

  std::string output(const std::string& file) { return test::read_text(m_dir.path() / file); }

  const std::string m_hostile = "it's $(touch pwned) `touch pwned`; touch pwned \\ \"q\"\n2nd line";
  TempDir m_dir{"labgrade-replay-test-"};
  LabSpec m_lab;
  CheckResult m_result;
  ReplayRecord m_record;
};

TEST_F(ReplayScript, RunsEachProgramAsTheGraderDid) {
  const std::string said = script_output(write_script());
  // The foreground program: its arguments verbatim, its stdin, its exit status and stderr.
  EXPECT_EQ(output("1-echoer.stdout"), "[plain]\n[" + m_hostile + "]\n[]\nfrom stdin\n");
  EXPECT_THAT(said, HasSubstr("replay: [1] your echoer exited with status 3"));
  EXPECT_THAT(said, HasSubstr("    oops"));
  // Its stdin kept open, written to, then closed: it sees end of file.
  EXPECT_EQ(output("2-catter.stdout"), "written later\ncatter: end of file\n");
  EXPECT_THAT(said, HasSubstr("replay: [2] the reference catter exited with status 0"));
  // Signalled once it printed "ready".
  EXPECT_EQ(output("3-trapper.stdout"), "ready\ngot USR1\n");
  // Killed where the grader killed it, in a world of its own.
  EXPECT_THAT(said, HasSubstr("replay: [4] your looper was killed by SIGKILL"));
  EXPECT_THAT(said, HasSubstr("replay: and found: it did not"));
  // Nothing from the check was run as a command.
  EXPECT_FALSE(fs::exists(m_dir.path() / "pwned"));
  EXPECT_FALSE(fs::exists(m_dir.path() / "work" / "pwned"));
  EXPECT_FALSE(fs::exists(m_dir.path() / "pwned-by-got"));
}

TEST_F(ReplayScript, SaysWhatItCannotDoInWords) {
  ReplayStep look = step(ReplayStep::Kind::note, 0.1, 0);
  look.text = "looked at /dev/shm, expecting it empty";
  look.look = "shm";
  m_record.steps.insert(m_record.steps.begin() + 10, look);
  m_lab.clock_control = true;
  m_lab.clock_scale = 0.05;
  const std::string script = replay_script(m_record, ReplayFacts{m_lab, m_result, "off (no user namespaces)"});
  EXPECT_THAT(script, HasSubstr("# the grader looked at /dev/shm, expecting it empty"));
  EXPECT_THAT(script, HasSubstr("isolation off (no user namespaces)"));
  EXPECT_THAT(script, HasSubstr("lasted 0.05 of their time"));
  EXPECT_THAT(script, HasSubstr("kill -USR1 \"$p3\"  # the grader sent SIGUSR1 to [3] your trapper"));
  EXPECT_THAT(script, HasSubstr("# [4] the grader killed your looper here: the check had failed"));
  EXPECT_THAT(script, HasSubstr("sleep 0.10  # the grader's next step came this much later"));
  // The failure's text is commented on every line, and quoted where it is printed.
  EXPECT_THAT(script, HasSubstr("#   got:      it did not\n#             $(touch "));
  EXPECT_THAT(script, HasSubstr("printf '%s\\n' 'replay: and found: it did not\n$(touch "));
  std::size_t commands_with_it = 0;
  for (std::size_t at = script.find("$(touch"); at != std::string::npos; at = script.find("$(touch", at + 1)) {
    const std::size_t line = script.rfind('\n', at) + 1;
    if (script[line] != '#') ++commands_with_it;
  }
  EXPECT_EQ(commands_with_it, 2u) << "only the argument (single-quoted) and the printf's quoted text hold it";
}

TEST(ShellQuote, PlainWordsStayAndTheRestIsSingleQuoted) {
  EXPECT_EQ(shell_quote("fifo-1a2b"), "fifo-1a2b");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
}

TEST(ReplayNames, BinariesAndFilesAreNamedByRoleAndVariant) {
  EXPECT_EQ(replay_binary_name(ReplayRun{1, 1, "student", "pipe"}), "pipe");
  EXPECT_EQ(replay_binary_name(ReplayRun{2, 1, "peer", "fifo_writer"}), "reference-fifo_writer");
  EXPECT_EQ(replay_binary_name(ReplayRun{3, 1, "student", "bb_producer", "size7"}), "bb_producer-size7");
  EXPECT_EQ(replay_file_prefix(ReplayRun{3, 1, "reference", "bb_consumer", "size7"}), "3-bb_consumer");
}

// ---- The --keep folder ---------------------------------------------------

class KeepFolder : public ::testing::Test {
 protected:
  fs::path dir() const { return m_root.path() / "kept"; }
  TempDir m_root{"labgrade-keep-test-"};
};

TEST_F(KeepFolder, AMissingFolderIsMadeAndAnEmptyOneTaken) {
  EXPECT_NO_THROW(prepare_keep_folder(dir()));
  EXPECT_TRUE(fs::is_directory(dir()));
  EXPECT_NO_THROW(prepare_keep_folder(dir()));
}

TEST_F(KeepFolder, AFolderOfSomeoneElsesIsRefusedAndLeftAsItWas) {
  test::write_text(dir() / "thesis.tex", "mine");
  try {
    prepare_keep_folder(dir());
    FAIL() << "a folder with a file of the student's was taken";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the folder is not empty, and no earlier --keep made it"));
    EXPECT_THAT(e.what(), HasSubstr(dir().string()));
  }
  EXPECT_EQ(test::read_text(dir() / "thesis.tex"), "mine");
  test::write_text(m_root.path() / "file", "x");
  EXPECT_THROW(prepare_keep_folder(m_root.path() / "file"), UsageError);
}

TEST_F(KeepFolder, AnEarlierKeepIsTakenUnlessSomethingWasAddedBesideIt) {
  test::write_text(dir() / k_keep_marker, "# made by labgrade check --keep\nEndToEnd\n");
  test::write_text(dir() / "EndToEnd" / "replay.sh", "");
  EXPECT_NO_THROW(prepare_keep_folder(dir()));
  test::write_text(dir() / "notes.txt", "mine");
  try {
    prepare_keep_folder(dir());
    FAIL() << "a file beside an earlier --keep's folders was taken";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("notes.txt is not from an earlier --keep"));
  }
  fs::remove(dir() / "notes.txt");
  test::write_text(dir() / k_keep_marker, "../../home\n");
  EXPECT_THROW(prepare_keep_folder(dir()), UsageError);
}

// ---- The fake lab graded with --keep --------------------------------------

bool have_compiler() { return !resolve_host_program({.argv = {"gcc"}}).empty(); }

const CheckResult& result_of(const Report& report, const std::string& test) {
  for (const auto& c : report.checks) {
    if (c.test == test) return c;
  }
  throw std::runtime_error("no result for " + test);
}

TEST(KeptReplays, EachFailedCheckThatRanAProgramCanBeReplayedAndFailsTheSameWay) {
  if (!have_compiler()) GTEST_SKIP() << "gcc is not installed";
  TempDir root("labgrade-keep-test-");
  const fs::path kept = root.path() / "kept";
  GradeOptions options;
  options.runner = {"/proc/self/exe", "__run-checks"};
  options.cache_dir = root.path() / "cache";
  options.keep = kept;
  const LabSpec lab = load_lab_spec(test::tests_dir() / "data" / "labs" / "fakelab" / "lab.toml");
  Report report = grade_submission(lab, test::tests_dir() / "data" / "submissions" / "fakelab", options);

  // Failed checks that ran a program: kept. Passed, grader errors, a program
  // that did not compile, a check that ran nothing, skipped: not.
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(kept)) folders.push_back(entry.path().filename().string());
  std::sort(folders.begin(), folders.end());
  EXPECT_EQ(folders, (std::vector<std::string>{".labgrade-keep", "AdvisoryFails", "StudentCrashes", "StudentFails"}));
  EXPECT_EQ(result_of(report, "StudentFails").replay, "sh " + (kept / "StudentFails" / "replay.sh").string());
  EXPECT_EQ(result_of(report, "ReferenceSetupFails").replay, "");
  EXPECT_EQ(result_of(report, "Passes").replay, "");
  EXPECT_TRUE(fs::exists(kept / "StudentFails" / "prog"));
  for (const auto& entry : fs::recursive_directory_iterator(kept)) {
    EXPECT_NE(entry.path().extension(), ".c") << "a source in the --keep folder: " << entry.path();
  }

  // The replays fail as the checks did.
  const std::string fails = script_output(kept / "StudentFails" / "replay.sh");
  EXPECT_THAT(fails, HasSubstr("replay: [1] your prog exited with status 3"));
  EXPECT_THAT(fails, HasSubstr("prog: asked to fail"));
  EXPECT_THAT(result_of(report, "StudentFails").got, HasSubstr("your prog exited with status 3"));
  EXPECT_THAT(script_output(kept / "StudentCrashes" / "replay.sh"), HasSubstr("replay: [1] your prog was killed by SIGSEGV"));
  script_output(kept / "AdvisoryFails" / "replay.sh");
  EXPECT_EQ(test::read_text(kept / "AdvisoryFails" / "1-prog.stdout"), "ok\n");

  // Again into the same folder: the earlier replays are replaced; a file of
  // the student's beside them stops it before anything is graded.
  test::write_text(kept / "StudentFails" / "gdb-notes.txt", "mine, inside labgrade's folder");
  Report again = grade_submission(lab, test::tests_dir() / "data" / "submissions" / "fakelab", options);
  EXPECT_FALSE(fs::exists(kept / "StudentFails" / "gdb-notes.txt"));
  EXPECT_TRUE(fs::exists(kept / "StudentFails" / "replay.sh"));
  test::write_text(kept / "notes.txt", "mine");
  EXPECT_THROW(grade_submission(lab, test::tests_dir() / "data" / "submissions" / "fakelab", options), UsageError);
  EXPECT_EQ(test::read_text(kept / "notes.txt"), "mine");
}

}  // namespace
}  // namespace labgrade
