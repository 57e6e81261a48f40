// Containment, end to end: a submission of hostile programs (data/submissions/
// hostile/prog.c) graded like any other. For each, labgrade must answer with
// a verdict within the check's deadline, name the limit the program hit, go
// on with the other checks, and leave nothing behind on the machine.
//
// The checks are the TEST_F(Hostile, ...) below, each an ordinary check of
// the program's one behaviour; tests_main.cpp keeps them out of ordinary runs
// (they need a grading context) and grade_submission runs them in its runner.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "labgrade/cgroup.hpp"
#include "labgrade/check.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/reporters.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"
#include "c_program.hpp"
#include "test_support.hpp"

namespace {

// ---- The hostile lab's checks (run only by the check runner) ---------------

class Hostile : public labgrade::LabCheck {
 protected:
  static std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
  }
};

TEST_F(Hostile, ForkBomb) {
  auto world = new_world();
  world.run(student("prog").args({"forkbomb"})).exits(0);
}

TEST_F(Hostile, MemoryHog) {
  auto world = new_world();
  world.run(student("prog").args({"memhog"})).exits(0);
}

TEST_F(Hostile, ShmFiller) {
  auto world = new_world();
  world.run(student("prog").args({"shmfill"})).exits(0);
}

TEST_F(Hostile, DiskFiller) {
  auto world = new_world();
  world.run(student("prog").args({"diskfill"})).exits(0);
}

TEST_F(Hostile, OutputFlood) {
  auto world = new_world();
  world.run(student("prog").args({"flood"})).exits(0);
}

TEST_F(Hostile, Daemon) {
  auto world = new_world();
  world.run(student("prog").args({"daemon"})).exits(0);
  world.expect_no_orphans();
}

TEST_F(Hostile, KillsEverything) {
  auto world = new_world();
  auto bystander = world.run(peer("prog").args({"wait"}));
  world.run(student("prog").args({"killall"})).exits(0);
  bystander.still_running_after(std::chrono::milliseconds(300));
}

TEST_F(Hostile, ConnectsToTheHost) {
  auto world = new_world();
  world.run(student("prog").args({"connect", env("LABGRADE_HOSTILE_PORT")})).exits(0).stdout_has_line("connected");
}

TEST_F(Hostile, WritesOutside) {
  auto world = new_world();
  world.run(student("prog").args({"writeout", env("LABGRADE_HOSTILE_OUTSIDE")})).exits(0).stdout_has_line("wrote");
}

TEST_F(Hostile, ForbiddenCall) {
  auto world = new_world();
  world.run(student("prog").args({"ptrace"})).exits(0);
}

TEST_F(Hostile, IgnoresSigterm) {
  auto world = new_world();
  world.run(student("prog").args({"spinner"})).exits(0);
}

TEST_F(Hostile, Innocent) {
  auto world = new_world();
  world.run(student("prog")).exits(0).stdout_has_line("ok");
}

}  // namespace

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using ::testing::AnyOf;
using ::testing::HasSubstr;

const char* const k_modes[] = {"forkbomb", "memhog", "shmfill", "diskfill", "flood", "daemon", "killall",
                               "connect", "writeout", "ptrace", "spinner"};

// Processes still running one of the hostile modes (argv[0] .../prog, argv[1] a mode).
std::vector<pid_t> hostile_processes() {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = test::read_text(entry.path() / "cmdline");
    auto nul = cmdline.find('\0');
    if (nul == std::string::npos || !cmdline.substr(0, nul).ends_with("/prog")) continue;
    std::string mode = cmdline.substr(nul + 1, cmdline.find('\0', nul + 1) - nul - 1);
    if (std::find(std::begin(k_modes), std::end(k_modes), mode) != std::end(k_modes)) found.push_back(std::stoi(name));
  }
  return found;
}

// Groups whose labgrade process has ended (other runs' live groups are theirs).
std::vector<std::string> orphaned_cgroups() {
  std::vector<std::string> found;
  const CgroupSupport& s = cgroup_support();
  if (s.version == CgroupVersion::none) return found;
  for (const fs::path& parent : {s.memory_parent, s.pids_parent}) {
    for (const auto& e : fs::directory_iterator(parent)) {
      int owner = 0;
      if (std::sscanf(e.path().filename().c_str(), "labgrade-%d-", &owner) == 1 && ::kill(owner, 0) != 0 && errno == ESRCH)
        found.push_back(e.path().string());
    }
  }
  return found;
}

class Containment : public ::testing::Test {
 protected:
  struct Run {
    Report report;
    double seconds = 0;
    bool listener_was_reached = false;
    bool host_file_written = false;
    bool bystander_alive = false;
    std::vector<std::string> cgroups_left;
  };

  static void SetUpTestSuite() {
    if (!test::have_gcc()) return;
    if (detect_isolation() == Isolation::none) return;
    if (cgroup_support().version == CgroupVersion::none && ::geteuid() == 0) return;  // a fork bomb as root, unheld
    s_run = new Run(grade_hostile());
  }
  static void TearDownTestSuite() {
    delete s_run;
    s_run = nullptr;
  }
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
    if (detect_isolation() == Isolation::none) GTEST_SKIP() << "no namespaces here: hostile programs are not run on the host";
    if (s_run == nullptr) GTEST_SKIP() << "root without cgroups: a fork bomb would not be held (" << describe(cgroup_support()) << ")";
  }

  static Run grade_hostile() {
    Run run;
    TempDir scratch("labgrade-hostile-");
    // A service of the host on 127.0.0.1, a place outside, a bystander process.
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener, 4);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    const fs::path outside = scratch.path() / "escaped";
    ::setenv("LABGRADE_HOSTILE_PORT", std::to_string(ntohs(address.sin_port)).c_str(), 1);
    ::setenv("LABGRADE_HOSTILE_OUTSIDE", outside.c_str(), 1);
    SpawnOptions sleeper;
    sleeper.argv = {"/bin/sleep", "120"};
    sleeper.time_limit = 120;
    auto bystander = Process::spawn(sleeper);

    GradeOptions options;
    options.runner = {"/proc/self/exe", "__run-checks"};
    options.cache_dir = scratch.path() / "cache";
    const auto start = std::chrono::steady_clock::now();
    run.report = grade_submission(load_lab_spec(test::tests_dir() / "data" / "labs" / "hostile" / "lab.toml"),
                                  test::tests_dir() / "data" / "submissions" / "hostile", options);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.cgroups_left = orphaned_cgroups();

    int accepted = ::accept(listener, nullptr, nullptr);
    run.listener_was_reached = accepted >= 0;
    if (accepted >= 0) ::close(accepted);
    ::close(listener);
    run.host_file_written = fs::exists(outside);
    run.bystander_alive = !bystander->finished();
    bystander->kill();
    return run;
  }

  static const CheckResult& result(const std::string& test) {
    auto it = std::find_if(s_run->report.checks.begin(), s_run->report.checks.end(),
                           [&](const CheckResult& r) { return r.test == test; });
    if (it == s_run->report.checks.end()) throw std::runtime_error("no result for " + test);
    return *it;
  }
  static std::string explain(const CheckResult& r) {
    return fmt::format("status {}, {:.2f} s\nexpected: {}\ngot: {}\nhint: {}", static_cast<int>(r.status), r.seconds,
                       r.expected, r.got, r.hint);
  }
  static void expect_failed(const std::string& test) {
    const CheckResult& r = result(test);
    EXPECT_EQ(r.status, CheckResult::Status::failed) << test << ": " << explain(r);
    EXPECT_LT(r.seconds, 15.0) << test << " took longer than its check's deadline";
    std::cout << "[hostile] " << test << ": " << fmt::format("{:.2f} s", r.seconds) << ": " << r.got.substr(0, 240) << "\n";
  }

  static inline Run* s_run = nullptr;
};

TEST_F(Containment, EveryCheckHasAVerdictAndTheReportIsValidJson) {
  EXPECT_EQ(s_run->report.checks.size(), 12u);
  EXPECT_FALSE(s_run->report.has_grader_error());
  EXPECT_EQ(s_run->report.exit_code(), 1);
  auto parsed = nlohmann::json::parse(format_json(s_run->report).dump(), nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "the JSON report of hostile programs must parse";
  std::cout << "[hostile] whole lab graded in " << fmt::format("{:.2f}", s_run->seconds) << " s; containment: "
            << describe(cgroup_support()) << ", isolation " << s_run->report.isolation << "\n";
}

TEST_F(Containment, AForkBombHitsTheProcessLimit) {
  expect_failed("ForkBomb");
  if (cgroup_support().version != CgroupVersion::none) {
    EXPECT_THAT(result("ForkBomb").got, HasSubstr("too many processes (a check's world may have 32 at once)"));
  }
}

TEST_F(Containment, AMemoryHogHitsTheMemoryLimit) {
  expect_failed("MemoryHog");
  if (cgroup_support().version != CgroupVersion::none) {
    EXPECT_THAT(result("MemoryHog").got, HasSubstr("memory limit of 64 MiB exceeded in a check's world"));
  }
}

TEST_F(Containment, AShmFillerFindsDevShmFull) {
  expect_failed("ShmFiller");
  EXPECT_THAT(result("ShmFiller").got, HasSubstr("/dev/shm is full (4 MiB in a check's world)"));
  EXPECT_TRUE(fs::is_empty("/dev/shm") || !fs::exists("/dev/shm/fill0")) << "the host's /dev/shm was filled";
}

TEST_F(Containment, ADiskFillerFillsOnlyItsOwnWorkingDirectory) {
  expect_failed("DiskFiller");
  EXPECT_THAT(result("DiskFiller").got, HasSubstr("No space left on device"));
  EXPECT_THAT(result("DiskFiller").got, HasSubstr("the working directory is full (8 MiB in a check's world)"));
}

TEST_F(Containment, AFloodOfOutputIsCut) {
  expect_failed("OutputFlood");
  EXPECT_THAT(result("OutputFlood").got, HasSubstr("its stdout was cut at 64 KiB"));
}

TEST_F(Containment, ADaemonIsNamedAndGone) {
  expect_failed("Daemon");
  EXPECT_THAT(result("Daemon").got, HasSubstr("outlived its parent"));
}

TEST_F(Containment, KillMinusOneHarmsOnlyTheWorld) {
  expect_failed("KillsEverything");
  EXPECT_THAT(result("KillsEverything").got, HasSubstr("killed by SIGKILL"));
  EXPECT_TRUE(s_run->bystander_alive) << "a process of the host was killed by kill(-1, SIGKILL) in a world";
}

TEST_F(Containment, NoNetworkReachesTheHost) {
  expect_failed("ConnectsToTheHost");
  EXPECT_THAT(result("ConnectsToTheHost").got, AnyOf(HasSubstr("Network is unreachable"), HasSubstr("Connection refused")));
  EXPECT_FALSE(s_run->listener_was_reached) << "a program in a world connected to the host's 127.0.0.1";
}

TEST_F(Containment, NothingOutsideTheWorkingDirectoryIsWritable) {
  expect_failed("WritesOutside");
  EXPECT_THAT(result("WritesOutside").got, HasSubstr("Read-only file system"));
  EXPECT_FALSE(s_run->host_file_written);
}

TEST_F(Containment, AForbiddenSystemCallIsNamed) {
  expect_failed("ForbiddenCall");
  EXPECT_THAT(result("ForbiddenCall").got,
              HasSubstr("killed by SIGSYS (Bad system call): it made a system call that lab programs may not make"));
}

TEST_F(Containment, ASigtermIgnoringSpinnerTimesOut) {
  expect_failed("IgnoresSigterm");
  EXPECT_THAT(result("IgnoresSigterm").got, HasSubstr("timed out after 3 s"));
}

TEST_F(Containment, TheOtherChecksStillRun) {
  const CheckResult& r = result("Innocent");
  EXPECT_EQ(r.status, CheckResult::Status::passed) << explain(r);
}

TEST_F(Containment, NothingIsLeftOnTheMachine) {
  EXPECT_THAT(hostile_processes(), ::testing::IsEmpty());
  EXPECT_THAT(s_run->cgroups_left, ::testing::IsEmpty()) << "a world's cgroup outlived its labgrade process";
}

}  // namespace
}  // namespace labgrade
