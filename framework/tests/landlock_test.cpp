// Landlock: what a program restricted by a ruleset can still reach (its
// read-only and read-write paths) and what it cannot (every other file, TCP,
// signals and abstract sockets outside its own process tree), as root too.
// Each test forks children that restrict themselves and report, over a pipe,
// the errno of each step they tried (0: it worked).
#include "labgrade/landlock.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/unique_fd.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

#define SKIP_WITHOUT_LANDLOCK(min_abi)                                                                   \
  do {                                                                                                   \
    if (landlock_support().abi == 0) GTEST_SKIP() << "no Landlock here: " << landlock_support().reason; \
    if (landlock_support().abi < (min_abi))                                                              \
      GTEST_SKIP() << "Landlock ABI " << landlock_support().abi << " < " << (min_abi);                  \
  } while (false)

/// What a child saw: the errno of each step it tried, 0 when the step worked.
struct ChildReport {
  int restrict_errno = -1;  // -1: the child never reported
  std::array<int, 8> steps{};
};

/// "EACCES", or "OK" for 0: what a failed expectation prints.
std::string name(int err) {
  if (err == 0) return "OK";
  const char* text = ::strerrorname_np(err);
  return text != nullptr ? text : std::to_string(err);
}

/// Forks a child that calls ruleset->restrict_self() (no ruleset: a control
/// that runs unrestricted), then body(steps), which makes system calls only;
/// returns what it reported.
template <typename Body>
ChildReport in_child(const LandlockRuleset* ruleset, Body body) {
  Pipe pipe = Pipe::create();
  const pid_t child = ::fork();
  if (child < 0) throw SyscallError("fork", "", errno);
  if (child == 0) {
    ChildReport report;
    report.restrict_errno = 0;
    if (ruleset != nullptr && !ruleset->restrict_self())
      report.restrict_errno = errno;
    else
      body(report.steps);
    ssize_t ignored = ::write(pipe.write.get(), &report, sizeof report);
    (void)ignored;
    ::_exit(0);
  }
  pipe.write.reset();
  ChildReport report;
  ChildReport received;
  if (::read(pipe.read.get(), &received, sizeof received) == static_cast<ssize_t>(sizeof received)) report = received;
  ::waitpid(child, nullptr, 0);
  return report;
}

/// The errno of open(path, flags), 0 when it opened (and closed again).
int open_errno(const char* path, int flags) {
  const int fd = ::open(path, flags | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

int errno_of(int result) { return result == 0 ? 0 : errno; }

/// A child of the test that sleeps until the end of its scope (killed and reaped then).
class Sleeper {
 public:
  Sleeper() : m_pid(::fork()) {
    if (m_pid < 0) throw SyscallError("fork", "", errno);
    if (m_pid == 0) {
      ::alarm(60);  // should the test itself die
      for (;;) ::pause();
    }
  }
  Sleeper(const Sleeper&) = delete;
  Sleeper& operator=(const Sleeper&) = delete;
  ~Sleeper() {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
  pid_t pid() const { return m_pid; }

 private:
  pid_t m_pid;
};

LandlockPolicy system_policy() {
  LandlockPolicy policy;
  policy.read_only = {"/usr", "/bin", "/lib", "/lib64", "/etc"};
  return policy;
}

TEST(Landlock, SupportIsDetected) {
  const LandlockSupport& support = landlock_support();
  if (support.abi == 0) {
    EXPECT_FALSE(support.reason.empty());
    std::cout << "[landlock] none: " << support.reason << "\n";
  } else {
    EXPECT_TRUE(support.reason.empty());
    std::cout << "[landlock] ABI " << support.abi << "\n";
  }
}

TEST(Landlock, AFileOutsideThePolicyCannotBeReadOrListed) {
  SKIP_WITHOUT_LANDLOCK(1);
  TempDir outside("labgrade-test-");
  TempDir allowed("labgrade-test-");
  test::write_text(outside.path() / "secret", "42");
  const std::string secret = (outside.path() / "secret").string();
  const std::string folder = outside.path().string();
  LandlockPolicy policy;
  policy.read_write = {allowed.path()};
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);

  auto try_it = [&](std::array<int, 8>& steps) {
    steps[0] = open_errno(secret.c_str(), O_RDONLY);
    steps[1] = open_errno(folder.c_str(), O_RDONLY | O_DIRECTORY);
    steps[2] = open_errno(secret.c_str(), O_WRONLY);
  };
  const ChildReport control = in_child(nullptr, try_it);
  EXPECT_EQ(name(control.steps[0]), "OK") << "without Landlock the test's own file is readable";
  const ChildReport restricted = in_child(&ruleset, try_it);
  ASSERT_EQ(name(restricted.restrict_errno), "OK");
  EXPECT_EQ(name(restricted.steps[0]), "EACCES") << "reading a file outside the policy";
  EXPECT_EQ(name(restricted.steps[1]), "EACCES") << "listing a folder outside the policy";
  EXPECT_EQ(name(restricted.steps[2]), "EACCES") << "writing a file outside the policy";
}

TEST(Landlock, AReadOnlyFolderCanBeReadButNotChanged) {
  SKIP_WITHOUT_LANDLOCK(1);
  TempDir folder("labgrade-test-");
  test::write_text(folder.path() / "data", "42");
  const std::string data = (folder.path() / "data").string();
  const std::string fresh = (folder.path() / "fresh").string();
  const std::string dir = folder.path().string();
  LandlockPolicy policy;
  policy.read_only = {folder.path()};
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);

  const ChildReport r = in_child(&ruleset, [&](std::array<int, 8>& steps) {
    steps[0] = open_errno(data.c_str(), O_RDONLY);
    steps[1] = open_errno(dir.c_str(), O_RDONLY | O_DIRECTORY);
    steps[2] = open_errno(data.c_str(), O_WRONLY);
    steps[3] = open_errno(fresh.c_str(), O_WRONLY | O_CREAT);
    steps[4] = errno_of(::unlink(data.c_str()));
  });
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "OK") << "reading a file";
  EXPECT_EQ(name(r.steps[1]), "OK") << "listing the folder";
  EXPECT_EQ(name(r.steps[2]), "EACCES") << "writing a file";
  EXPECT_EQ(name(r.steps[3]), "EACCES") << "creating a file";
  EXPECT_EQ(name(r.steps[4]), "EACCES") << "removing a file";
  EXPECT_TRUE(fs::exists(data));
  EXPECT_FALSE(fs::exists(fresh));
}

TEST(Landlock, AReadWriteFolderAllowsEverythingInIt) {
  SKIP_WITHOUT_LANDLOCK(1);
  TempDir work("labgrade-test-");
  fs::create_directory(work.path() / "sub");
  test::write_text(work.path() / "old", "old contents");
  const std::string old_file = (work.path() / "old").string();
  const std::string made = (work.path() / "made").string();
  const std::string moved = (work.path() / "sub" / "moved").string();
  const std::string dir = (work.path() / "dir").string();
  LandlockPolicy policy;
  policy.read_write = {work.path()};
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);

  const ChildReport r = in_child(&ruleset, [&](std::array<int, 8>& steps) {
    steps[0] = open_errno(made.c_str(), O_WRONLY | O_CREAT | O_EXCL);
    steps[1] = open_errno(old_file.c_str(), O_RDWR | O_TRUNC);
    // Into another folder of the same tree: needs REFER from ABI 2 (refused below it).
    steps[2] = errno_of(::rename(made.c_str(), moved.c_str()));
    steps[3] = errno_of(::mkdir(dir.c_str(), 0700));
    steps[4] = errno_of(::rmdir(dir.c_str()));
    steps[5] = errno_of(::unlink(steps[2] == 0 ? moved.c_str() : made.c_str()));
  });
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "OK") << "creating a file";
  EXPECT_EQ(name(r.steps[1]), "OK") << "truncating a file";
  EXPECT_EQ(name(r.steps[2]), landlock_support().abi >= 2 ? "OK" : "EXDEV") << "moving a file to a subfolder";
  EXPECT_EQ(name(r.steps[3]), "OK") << "making a folder";
  EXPECT_EQ(name(r.steps[4]), "OK") << "removing a folder";
  EXPECT_EQ(name(r.steps[5]), "OK") << "removing a file";
  EXPECT_EQ(test::read_text(old_file), "");
  EXPECT_FALSE(fs::exists(made));
  EXPECT_FALSE(fs::exists(moved));
}

// A rule on a file (not a folder) carries only a file's rights; the folder around it stays closed.
TEST(Landlock, ARuleOnAFileOpensThatFileOnly) {
  SKIP_WITHOUT_LANDLOCK(1);
  TempDir folder("labgrade-test-");
  test::write_text(folder.path() / "writable", "w");
  test::write_text(folder.path() / "readable", "r");
  test::write_text(folder.path() / "neighbour", "n");
  const std::string writable = (folder.path() / "writable").string();
  const std::string readable = (folder.path() / "readable").string();
  const std::string neighbour = (folder.path() / "neighbour").string();
  const std::string fresh = (folder.path() / "fresh").string();
  LandlockPolicy policy;
  policy.read_write = {writable, "/dev/null"};
  policy.read_only = {readable};
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);

  const ChildReport r = in_child(&ruleset, [&](std::array<int, 8>& steps) {
    steps[0] = open_errno(writable.c_str(), O_RDWR | O_TRUNC);
    steps[1] = open_errno(readable.c_str(), O_RDONLY);
    steps[2] = open_errno(readable.c_str(), O_WRONLY);
    steps[3] = open_errno(neighbour.c_str(), O_RDONLY);
    steps[4] = open_errno(fresh.c_str(), O_WRONLY | O_CREAT);
    steps[5] = open_errno("/dev/null", O_WRONLY);
    steps[6] = open_errno("/dev/zero", O_RDONLY);
  });
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "OK") << "writing (and truncating) the read-write file";
  EXPECT_EQ(name(r.steps[1]), "OK") << "reading the read-only file";
  EXPECT_EQ(name(r.steps[2]), "EACCES") << "writing the read-only file";
  EXPECT_EQ(name(r.steps[3]), "EACCES") << "reading their neighbour";
  EXPECT_EQ(name(r.steps[4]), "EACCES") << "creating a file next to them";
  EXPECT_EQ(name(r.steps[5]), "OK") << "writing /dev/null";
  EXPECT_EQ(name(r.steps[6]), "EACCES") << "reading /dev/zero";
  EXPECT_FALSE(fs::exists(fresh));
}

// Landlock holds for root as well: root's home is out of reach however privileged the process.
TEST(Landlock, SystemFilesCanBeReadAndRootsHomeCannot) {
  SKIP_WITHOUT_LANDLOCK(1);
  const LandlockRuleset ruleset = LandlockRuleset::build(system_policy());
  auto try_it = [](std::array<int, 8>& steps) {
    steps[0] = open_errno("/etc/passwd", O_RDONLY);
    steps[1] = open_errno("/root", O_RDONLY | O_DIRECTORY);
    steps[2] = open_errno("/etc/passwd", O_WRONLY);
    steps[3] = open_errno("/tmp", O_RDONLY | O_DIRECTORY);
  };
  const ChildReport r = in_child(&ruleset, try_it);
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "OK") << "reading /etc/passwd";
  EXPECT_EQ(name(r.steps[1]), "EACCES") << "listing /root";
  EXPECT_EQ(name(r.steps[2]), "EACCES") << "writing /etc/passwd";
  EXPECT_EQ(name(r.steps[3]), "EACCES") << "listing /tmp";
  if (::geteuid() == 0) {
    const ChildReport control =
        in_child(nullptr, [](std::array<int, 8>& steps) { steps[0] = open_errno("/root", O_RDONLY | O_DIRECTORY); });
    EXPECT_EQ(name(control.steps[0]), "OK") << "root lists /root without Landlock";
  }
}

// The dynamic loader and libc come from read-only folders: a program there runs; one elsewhere does not.
TEST(Landlock, ProgramsRunFromReadOnlyFoldersOnly) {
  SKIP_WITHOUT_LANDLOCK(1);
  TempDir elsewhere("labgrade-test-");
  const fs::path copy = elsewhere.path() / "true";
  fs::copy_file("/bin/true", copy);
  LandlockPolicy policy = system_policy();
  policy.read_write = {"/dev/null"};
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);
  auto exit_code = [&](const LandlockRuleset* restricted_by, const fs::path& program) {
    const pid_t child = ::fork();
    if (child == 0) {
      if (restricted_by != nullptr && !restricted_by->restrict_self()) ::_exit(120);
      const char* argv[] = {program.c_str(), nullptr};
      ::execv(program.c_str(), const_cast<char* const*>(argv));
      ::_exit(errno == EACCES ? 121 : 122);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  };
  ASSERT_EQ(exit_code(nullptr, copy), 0) << "the copy runs without Landlock";
  EXPECT_EQ(exit_code(&ruleset, "/bin/true"), 0) << "121: execve refused (EACCES); 127: the loader could not load libc";
  EXPECT_EQ(exit_code(&ruleset, copy), 121) << "execve of a program outside the policy: EACCES";
}

TEST(Landlock, AllowReadAddsAFileToALaterChild) {
  SKIP_WITHOUT_LANDLOCK(1);
  TempDir folder("labgrade-test-");
  test::write_text(folder.path() / "program", "#!/bin/true\n");
  test::write_text(folder.path() / "other", "");
  const std::string program = (folder.path() / "program").string();
  const std::string other = (folder.path() / "other").string();
  LandlockRuleset ruleset = LandlockRuleset::build(system_policy());
  auto try_it = [&](std::array<int, 8>& steps) {
    steps[0] = open_errno(program.c_str(), O_RDONLY);
    steps[1] = open_errno(other.c_str(), O_RDONLY);
  };
  const ChildReport before = in_child(&ruleset, try_it);
  ruleset.allow_read(program);
  const ChildReport after = in_child(&ruleset, try_it);
  EXPECT_EQ(name(before.steps[0]), "EACCES");
  EXPECT_EQ(name(after.steps[0]), "OK");
  EXPECT_EQ(name(after.steps[1]), "EACCES");

  const std::string missing = (folder.path() / "missing").string();
  try {
    ruleset.allow_read(missing);
    ADD_FAILURE() << "allow_read of a missing file should throw";
  } catch (const SyscallError& e) {
    EXPECT_THAT(e.what(), HasSubstr("open(\"" + missing + "\", O_PATH | O_CLOEXEC): No such file or directory"));
  }
}

TEST(Landlock, APathThatDoesNotExistIsSkipped) {
  SKIP_WITHOUT_LANDLOCK(1);
  LandlockPolicy policy = system_policy();
  const fs::path missing = "/nonexistent-labgrade-" + test::unique_digits();
  const fs::path under_a_file = "/etc/passwd/sub";
  policy.read_only.push_back(missing);
  policy.read_write.push_back(under_a_file);
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);
  EXPECT_THAT(ruleset.skipped(), ::testing::IsSupersetOf({missing, under_a_file}));
  const ChildReport r = in_child(&ruleset, [](std::array<int, 8>& steps) { steps[0] = open_errno("/etc/passwd", O_RDONLY); });
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "OK") << "the other rules still hold";
}

// A failure names the call, the path and errno: an O_PATH open that fails
// (a name too long) and a rule the kernel refuses (a namespace file: nsfs
// takes no rules).
TEST(Landlock, FailuresNameTheCallThePathAndErrno) {
  SKIP_WITHOUT_LANDLOCK(1);
  LandlockPolicy too_long;
  const std::string long_name = "/tmp/" + std::string(300, 'x');
  too_long.read_only = {long_name};
  try {
    (void)LandlockRuleset::build(too_long);
    ADD_FAILURE() << "a name too long should throw";
  } catch (const SyscallError& e) {
    EXPECT_THAT(e.what(), HasSubstr("open(\"" + long_name + "\", O_PATH | O_CLOEXEC): File name too long"));
  }
  LandlockPolicy namespace_file;
  namespace_file.read_only = {"/proc/self/ns/net"};
  try {
    (void)LandlockRuleset::build(namespace_file);
    ADD_FAILURE() << "a rule on nsfs should be refused";
  } catch (const SyscallError& e) {
    EXPECT_THAT(e.what(), HasSubstr("landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH, {0x5, \"/proc/self/ns/net\"}, 0): "));
    EXPECT_EQ(e.error_number(), EBADFD);
  }
}

TEST(Landlock, DescribeSaysTheAbiAndWhatIsHeld) {
  SKIP_WITHOUT_LANDLOCK(1);
  const int abi = std::min(landlock_support().abi, LandlockRuleset::k_newest_known_abi);
  const LandlockRuleset all = LandlockRuleset::build({});
  EXPECT_EQ(all.abi(), abi);
  std::string expected = "Landlock (ABI " + std::to_string(abi) + "): files";
  if (abi >= 4) expected += ", TCP";
  if (abi >= 6) expected += ", signals and abstract sockets";
  EXPECT_EQ(all.describe(), expected);
  std::cout << "[landlock] " << all.describe() << "\n";
  const LandlockRuleset files_only = LandlockRuleset::build({.no_tcp = false, .scoped = false});
  EXPECT_EQ(files_only.describe(), "Landlock (ABI " + std::to_string(abi) + "): files");
}

TEST(Landlock, TcpIsRefused) {
  SKIP_WITHOUT_LANDLOCK(4);
  UniqueFd listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  ASSERT_TRUE(listener);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);

  auto try_it = [&](std::array<int, 8>& steps) {
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    steps[0] = errno_of(::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address));
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in any_port{};
    any_port.sin_family = AF_INET;
    any_port.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    steps[1] = errno_of(::bind(server, reinterpret_cast<const sockaddr*>(&any_port), sizeof any_port));
    const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    steps[2] = errno_of(::bind(udp, reinterpret_cast<const sockaddr*>(&any_port), sizeof any_port));
  };
  LandlockPolicy with_tcp;
  with_tcp.no_tcp = false;
  const LandlockRuleset allowed = LandlockRuleset::build(with_tcp);
  const ChildReport control = in_child(&allowed, try_it);
  ASSERT_EQ(name(control.restrict_errno), "OK");
  EXPECT_EQ(name(control.steps[0]), "OK") << "connect with no_tcp = false";
  EXPECT_EQ(name(control.steps[1]), "OK") << "bind with no_tcp = false";

  const LandlockRuleset refused = LandlockRuleset::build({});
  const ChildReport r = in_child(&refused, try_it);
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "EACCES") << "connect to 127.0.0.1:" << ntohs(address.sin_port);
  EXPECT_EQ(name(r.steps[1]), "EACCES") << "bind to 127.0.0.1:0";
  EXPECT_EQ(name(r.steps[2]), "OK") << "UDP is not Landlock's (up to ABI 7)";
}

TEST(Landlock, SignalsStayInsideTheProcessTree) {
  SKIP_WITHOUT_LANDLOCK(6);
  Sleeper outside;  // made before the restriction: outside the domain
  auto try_it = [&](std::array<int, 8>& steps) {
    steps[0] = errno_of(::kill(outside.pid(), 0));
    steps[1] = errno_of(::kill(::getppid(), 0));
    steps[2] = errno_of(::kill(::getpid(), 0));
    const pid_t own = ::fork();  // made after the restriction: inside it
    if (own == 0) {
      ::alarm(10);
      for (;;) ::pause();
    }
    steps[3] = errno_of(::kill(own, SIGKILL));
    int status = 0;
    ::waitpid(own, &status, 0);
    steps[4] = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : ECHILD;
  };
  LandlockPolicy unscoped;
  unscoped.scoped = false;
  const LandlockRuleset allowed = LandlockRuleset::build(unscoped);
  const ChildReport control = in_child(&allowed, try_it);
  ASSERT_EQ(name(control.restrict_errno), "OK");
  EXPECT_EQ(name(control.steps[0]), "OK") << "signalling a sibling with scoped = false";

  const LandlockRuleset scoped = LandlockRuleset::build({});
  const ChildReport r = in_child(&scoped, try_it);
  ASSERT_EQ(name(r.restrict_errno), "OK");
  EXPECT_EQ(name(r.steps[0]), "EPERM") << "signalling a process made before the restriction";
  EXPECT_EQ(name(r.steps[1]), "EPERM") << "signalling the parent";
  EXPECT_EQ(name(r.steps[2]), "OK") << "signalling itself";
  EXPECT_EQ(name(r.steps[3]), "OK") << "signalling its own child";
  EXPECT_EQ(name(r.steps[4]), "OK") << "its own child was killed";
}

TEST(Landlock, AbstractSocketsOfOtherProcessesCannotBeReached) {
  SKIP_WITHOUT_LANDLOCK(6);
  UniqueFd listener{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  ASSERT_TRUE(listener);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string abstract_name = "labgrade-test-" + test::unique_digits();
  std::memcpy(address.sun_path + 1, abstract_name.data(), abstract_name.size());  // sun_path[0] == 0: abstract
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size());
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  auto try_it = [&](std::array<int, 8>& steps) {
    const int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    steps[0] = errno_of(::connect(client, reinterpret_cast<const sockaddr*>(&address), length));
  };
  LandlockPolicy unscoped;
  unscoped.scoped = false;
  const LandlockRuleset allowed = LandlockRuleset::build(unscoped);
  EXPECT_EQ(name(in_child(&allowed, try_it).steps[0]), "OK") << "connect with scoped = false";
  const LandlockRuleset scoped = LandlockRuleset::build({});
  EXPECT_EQ(name(in_child(&scoped, try_it).steps[0]), "EPERM") << "connect to @" << abstract_name;
}

/// Drops every capability of the calling process (root stays uid 0): errno or 0.
int drop_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  return ::syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

// Reading another process's environ or memory maps takes ptrace's permission,
// which Landlock refuses outside the domain (ABI 1): /proc being readable
// does not open other processes' secrets, to a process without capabilities.
TEST(Landlock, OtherProcessesEnvironAndMemoryAreRefused) {
  SKIP_WITHOUT_LANDLOCK(1);
  Sleeper outside;
  const std::string proc = "/proc/" + std::to_string(outside.pid());
  const std::string environ = proc + "/environ", maps = proc + "/maps", mem = proc + "/mem";
  const std::string cmdline = proc + "/cmdline", status = proc + "/status";
  LandlockPolicy policy;
  policy.read_only = {"/proc"};
  const LandlockRuleset ruleset = LandlockRuleset::build(policy);
  auto try_it = [&](std::array<int, 8>& steps) {
    steps[0] = open_errno("/proc/self/environ", O_RDONLY);
    steps[1] = open_errno(environ.c_str(), O_RDONLY);
    steps[2] = open_errno(maps.c_str(), O_RDONLY);
    steps[3] = open_errno(mem.c_str(), O_RDONLY);
    steps[4] = open_errno(cmdline.c_str(), O_RDONLY);
    steps[5] = open_errno(status.c_str(), O_RDONLY);
  };
  const ChildReport control = in_child(nullptr, try_it);
  EXPECT_EQ(name(control.steps[1]), "OK") << "without Landlock a process reads its sibling's environ";

  const ChildReport r = in_child(&ruleset, [&](std::array<int, 8>& steps) {
    steps[7] = drop_capabilities();
    if (steps[7] == 0) try_it(steps);
  });
  ASSERT_EQ(name(r.restrict_errno), "OK");
  ASSERT_EQ(name(r.steps[7]), "OK") << "capset(all zero)";
  EXPECT_EQ(name(r.steps[0]), "OK") << "its own environ";
  EXPECT_EQ(name(r.steps[1]), "EACCES") << "another process's environ";
  EXPECT_EQ(name(r.steps[2]), "EACCES") << "another process's maps";
  EXPECT_EQ(name(r.steps[3]), "EACCES") << "another process's mem";
  EXPECT_EQ(name(r.steps[4]), "OK") << "another process's cmdline (no ptrace check)";
  EXPECT_EQ(name(r.steps[5]), "OK") << "another process's status (no ptrace check)";

  // With root's capabilities, mem (PTRACE_MODE_ATTACH) stays refused; what
  // needs only PTRACE_MODE_READ passes on kernels whose mm_access lets
  // CAP_PERFMON by before any LSM is asked: said, not asserted.
  if (::geteuid() == 0) {
    const ChildReport as_root = in_child(&ruleset, try_it);
    EXPECT_EQ(name(as_root.steps[3]), "EACCES") << "another process's mem, as root";
    std::cout << "[landlock] as root (CAP_PERFMON), another process's environ: " << name(as_root.steps[1])
              << ", maps: " << name(as_root.steps[2]) << "\n";
  }
}

}  // namespace
}  // namespace labgrade
