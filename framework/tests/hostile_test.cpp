// Containment, end to end: a submission of hostile programs (data/submissions/
// hostile/prog.c) graded like any other. For each, labgrade must answer with
// a verdict within the check's deadline, name the limit the program hit, go
// on with the other checks, and leave nothing behind on the machine.
//
// The checks are the TEST_F(Hostile, ...) below, each an ordinary check of
// the program's one behaviour; tests_main.cpp keeps them out of ordinary runs
// (they need a grading context) and grade_submission runs them in its runner.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
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

TEST_F(Hostile, ConnectsToTheMachinesAddress) {
  auto world = new_world();
  world.run(student("prog").args({"connect", env("LABGRADE_HOSTILE_PORT"), env("LABGRADE_HOSTILE_HOST_IP")}))
      .exits(0)
      .stdout_has_line("connected");
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

TEST_F(Hostile, ReadsShadow) {
  auto world = new_world();
  world.run(student("prog").args({"read", "/etc/shadow"})).exits(0);
}

TEST_F(Hostile, ReadsARootOnlyFile) {
  auto world = new_world();
  world.run(student("prog").args({"read", env("LABGRADE_HOSTILE_SECRET_FILE")})).exits(0);
}

TEST_F(Hostile, SearchesForSecrets) {
  auto world = new_world();
  world.run(student("prog").args({"find", "labgrade-secret"}).time_limit(std::chrono::seconds(3))).exits(0);
}

TEST_F(Hostile, ReadsTheGradersEnvironment) {
  auto world = new_world();
  world.run(student("prog").args({"parentenv"})).exits(0);
}

TEST_F(Hostile, PrintsItsEnvironment) {
  auto world = new_world();
  world.run(student("prog").args({"env"})).exits(0).stdout_has("LABGRADE_TEST_SECRET_ENV");
}

TEST_F(Hostile, KillsItsParent) {
  auto world = new_world();
  world.run(student("prog").args({"killparent"})).exits(0);
}

TEST_F(Hostile, KillsEveryPid) {
  auto world = new_world();
  auto bystander = world.run(peer("prog").args({"wait"}));
  world.run(student("prog").args({"killpids"})).exits(0);
  bystander.still_running_after(std::chrono::milliseconds(300));
}

TEST_F(Hostile, IncludesASecret) {
  expect_builds("incl");
}

TEST_F(Hostile, IncludesDevZero) {
  expect_builds("zero");
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
                               "connect", "writeout", "ptrace", "spinner", "read", "find", "parentenv", "env",
                               "killparent", "killpids"};

// Where the hostile programs run: in worlds of namespaces, or on the host
// (LABGRADE_ISOLATION=off), which CI allows only inside an outer sandbox of
// its own (LABGRADE_HOSTILE_ON_HOST=1: see framework/tests/CMakeLists.txt).
bool on_host() { return detect_isolation() == Isolation::none; }
// The hostile lab graded: "hostile", or "hostile-network" (the same checks in
// worlds with their own loopback and rpcbind), from $LABGRADE_HOSTILE_LAB.
std::string hostile_lab() {
  const char* lab = std::getenv("LABGRADE_HOSTILE_LAB");
  return lab != nullptr && *lab != '\0' ? lab : "hostile";
}
bool needs_namespaces() { return hostile_lab() != "hostile"; }
// An address of the machine that is not its loopback (192.0.2.1, TEST-NET-1, if it has none).
std::string machine_address() {
  ifaddrs* all = nullptr;
  std::string found = "192.0.2.1";
  if (::getifaddrs(&all) != 0) return found;
  for (ifaddrs* i = all; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char text[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text) != nullptr) {
      found = text;
      break;
    }
  }
  ::freeifaddrs(all);
  return found;
}
bool host_allowed() {
  const char* allowed = std::getenv("LABGRADE_HOSTILE_ON_HOST");
  return allowed != nullptr && std::string(allowed) == "1";
}

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
      const std::string name = e.path().filename().string();
      if (name.rfind("labgrade-", 0) == 0 && !cgroup_owner_lives(name)) found.push_back(e.path().string());
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
    std::vector<std::string> secrets;  // nothing of these may appear in any report
    std::string json;                  // the whole report, as CI would read it
    std::string text;
  };

  static void SetUpTestSuite() {
    if (!test::have_gcc()) return;
    if (on_host() && (!host_allowed() || needs_namespaces())) return;
    if (cgroup_support().version == CgroupVersion::none && ::geteuid() == 0) return;  // a fork bomb as root, unheld
    s_run = new Run(grade_hostile());
  }
  static void TearDownTestSuite() {
    delete s_run;
    s_run = nullptr;
  }
  void SetUp() override {
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
    if (on_host() && !host_allowed())
      GTEST_SKIP() << "no namespaces here: hostile programs run on the host only inside CI's outer sandbox";
    if (on_host() && needs_namespaces()) GTEST_SKIP() << hostile_lab() << " needs namespaces (a network of its own)";
    if (s_run == nullptr) GTEST_SKIP() << "root without cgroups: a fork bomb would not be held (" << describe(cgroup_support()) << ")";
  }

  static Run grade_hostile() {
    Run run;
    TempDir scratch("labgrade-hostile-");
    // A service of the host on 127.0.0.1, a place outside, a bystander process.
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);  // 127.0.0.1 and the machine's other addresses
    socklen_t length = sizeof address;
    ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener, 4);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    const fs::path outside = scratch.path() / "escaped";
    ::setenv("LABGRADE_HOSTILE_PORT", std::to_string(ntohs(address.sin_port)).c_str(), 1);
    ::setenv("LABGRADE_HOSTILE_HOST_IP", machine_address().c_str(), 1);
    ::setenv("LABGRADE_HOSTILE_OUTSIDE", outside.c_str(), 1);
    // Secrets of the machine: a file only the grader's user may read, one in
    // /root for the compiler (as root), the grader's environment, the lab's
    // reference, and /etc/shadow.
    const std::string digits = test::unique_digits();
    const fs::path secret_file = scratch.path() / "labgrade-secret-rootonly";
    run.secrets.push_back("ROOT-ONLY-SECRET-" + digits);
    test::write_text(secret_file, run.secrets.back() + "\n");
    ::chmod(secret_file.c_str(), 0600);
    ::setenv("LABGRADE_HOSTILE_SECRET_FILE", secret_file.c_str(), 1);
    run.secrets.push_back("ENVIRONMENT-SECRET-" + digits);
    ::setenv("LABGRADE_TEST_SECRET_ENV", run.secrets.back().c_str(), 1);
    run.secrets.push_back("REFERENCE-SOURCE-SECRET-5c1e");
    run.secrets.push_back("THE_SECRET_" + digits);
    const fs::path root_header = "/root/labgrade-secret.h";
    const bool made_root_header = ::geteuid() == 0 && fs::is_directory("/root") && !fs::exists(root_header);
    if (made_root_header) {
      test::write_text(root_header, run.secrets.back() + " x;\n");
      ::chmod(root_header.c_str(), 0600);
    }
    if (auto shadow = test::read_text("/etc/shadow"); ::geteuid() == 0 && !shadow.empty())
      run.secrets.push_back(shadow.substr(0, shadow.find('\n')));
    auto bystander = HostChild::start({.argv = {"/bin/sleep", "120"}, .time_limit = 120});  // a process of the host

    GradeOptions options;
    options.runner = {"/proc/self/exe", "__run-checks"};
    options.cache_dir = scratch.path() / "cache";
    const auto start = std::chrono::steady_clock::now();
    run.report = grade_submission(load_lab_spec(test::tests_dir() / "data" / "labs" / hostile_lab() / "lab.toml"),
                                  test::tests_dir() / "data" / "submissions" / "hostile", options);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.cgroups_left = orphaned_cgroups();
    run.json = format_json(run.report).dump();
    run.text = format_text(run.report, TextStyle{});
    if (made_root_header) fs::remove(root_header);
    ::unsetenv("LABGRADE_TEST_SECRET_ENV");

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
  EXPECT_EQ(s_run->report.checks.size(), 22u);
  EXPECT_FALSE(s_run->report.has_grader_error()) << s_run->text;
  EXPECT_EQ(s_run->report.exit_code(), 1);
  auto parsed = nlohmann::json::parse(s_run->json, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "the JSON report of hostile programs must parse";
  std::cout << "[hostile] whole lab graded in " << fmt::format("{:.2f}", s_run->seconds) << " s; containment: "
            << describe(cgroup_support()) << ", isolation " << s_run->report.isolation
            << (on_host() ? " (" + s_run->report.isolation_note + ")" : "") << "\n";
}

TEST_F(Containment, NoSecretOfTheMachineAppearsInAnyReport) {
  for (const std::string& secret : s_run->secrets) {
    EXPECT_THAT(s_run->json, ::testing::Not(HasSubstr(secret))) << "the JSON report leaks a secret";
    EXPECT_THAT(s_run->text, ::testing::Not(HasSubstr(secret))) << "the text report leaks a secret";
  }
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
  if (on_host()) {  // measured by its pump, or the world's memory limit (tmpfs pages count), or the (outer sandbox's) /dev/shm
    EXPECT_THAT(result("ShmFiller").got, AnyOf(HasSubstr("/dev/shm is full (4 MiB in a check's world)"),
                                               HasSubstr("memory limit"), HasSubstr("No space left on device")));
  } else {
    EXPECT_THAT(result("ShmFiller").got, HasSubstr("/dev/shm is full (4 MiB in a check's world)"));
  }
  EXPECT_TRUE(!fs::exists("/dev/shm/fill0")) << "the world's /dev/shm objects were left";
}

TEST_F(Containment, ADiskFillerFillsOnlyItsOwnWorkingDirectory) {
  expect_failed("DiskFiller");
  if (on_host()) {  // measured by its pump, or the world's memory limit (tmpfs pages count)
    EXPECT_THAT(result("DiskFiller").got, AnyOf(HasSubstr("the working directory is full (8 MiB in a check's world)"),
                                                HasSubstr("memory limit")));
  } else {
    EXPECT_THAT(result("DiskFiller").got, HasSubstr("No space left on device"));
    EXPECT_THAT(result("DiskFiller").got, HasSubstr("the working directory is full (8 MiB in a check's world)"));
  }
}

TEST_F(Containment, AFloodOfOutputIsCut) {
  expect_failed("OutputFlood");
  EXPECT_THAT(result("OutputFlood").got, HasSubstr("its stdout was cut at 64 KiB"));
}

TEST_F(Containment, ADaemonIsNamedAndGone) {
  expect_failed("Daemon");
  EXPECT_THAT(result("Daemon").got, HasSubstr("outlived its parent"));
}

TEST_F(Containment, KillMinusOneIsRefusedAndNamed) {
  expect_failed("KillsEverything");
  EXPECT_THAT(result("KillsEverything").got,
              HasSubstr("it tried to kill every process (kill(-1, SIGKILL)); labgrade refused"));
  EXPECT_TRUE(s_run->bystander_alive) << "a process of the host was killed by kill(-1, SIGKILL) in a world";
}

TEST_F(Containment, KillingItsParentIsRefusedOrHarmsOnlyItself) {
  expect_failed("KillsItsParent");
  // Without a pid namespace its parent is the grader: refused. With one, it
  // has no parent it can see (getppid() is 0), and kill(0) ends its own group.
  EXPECT_THAT(result("KillsItsParent").got,
              AnyOf(HasSubstr("it tried to signal a process that is not its own"), HasSubstr("killed by SIGKILL")));
}

TEST_F(Containment, KillingEveryPidIsRefusedAndTheBystanderLives) {
  expect_failed("KillsEveryPid");
  EXPECT_THAT(result("KillsEveryPid").got, HasSubstr("it tried to signal a process that is not its own"));
  EXPECT_TRUE(s_run->bystander_alive);
}

TEST_F(Containment, NoNetworkReachesTheHost) {
  expect_failed("ConnectsToTheHost");
  EXPECT_THAT(result("ConnectsToTheHost").got,
              AnyOf(HasSubstr("Network is unreachable"), HasSubstr("Connection refused"), HasSubstr("Permission denied")));
  expect_failed("ConnectsToTheMachinesAddress");
  EXPECT_THAT(result("ConnectsToTheMachinesAddress").got,
              AnyOf(HasSubstr("Network is unreachable"), HasSubstr("Connection refused"), HasSubstr("Permission denied")));
  EXPECT_FALSE(s_run->listener_was_reached) << "a program in a world connected to the host (127.0.0.1 or "
                                            << machine_address() << ")";
}

TEST_F(Containment, NothingOutsideTheWorkingDirectoryIsWritable) {
  expect_failed("WritesOutside");
  EXPECT_THAT(result("WritesOutside").got,
              AnyOf(HasSubstr("No such file or directory"), HasSubstr("Permission denied"), HasSubstr("Read-only file system")));
  EXPECT_FALSE(s_run->host_file_written);
}

TEST_F(Containment, TheMachinesFilesCannotBeRead) {
  for (const char* check : {"ReadsShadow", "ReadsARootOnlyFile", "ReadsTheGradersEnvironment"}) {
    expect_failed(check);
    EXPECT_THAT(result(check).got, AnyOf(HasSubstr("No such file or directory"), HasSubstr("Permission denied")))
        << check;
  }
  expect_failed("SearchesForSecrets");
  EXPECT_THAT(result("SearchesForSecrets").got, HasSubstr("found 0"));
}

TEST_F(Containment, TheEnvironmentHoldsNothingOfTheGraders) {
  expect_failed("PrintsItsEnvironment");
  EXPECT_THAT(result("PrintsItsEnvironment").got, HasSubstr("PATH="));
}

TEST_F(Containment, TheCompilerCannotIncludeTheMachinesFiles) {
  expect_failed("IncludesASecret");
  EXPECT_THAT(result("IncludesASecret").got, AnyOf(HasSubstr("No such file or directory"), HasSubstr("Permission denied")));
}

TEST_F(Containment, ACompilerReadingForeverIsHeld) {
  expect_failed("IncludesDevZero");
  EXPECT_THAT(result("IncludesDevZero").got, AnyOf(HasSubstr("out of memory"), HasSubstr("memory limit")));
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
