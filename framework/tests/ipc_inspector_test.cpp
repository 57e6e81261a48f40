// Looking at a world's System V shared memory from outside while its programs
// run: what sysv_segments reports (key, size, mode, attach count, first
// bytes), that the host never sees any of it, and that nothing of it outlives
// the world.
#include "labgrade/ipc_inspector.hpp"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"
#include "test_support.hpp"

namespace labgrade {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto k_patience = 5s;


// The inode of a process's IPC namespace (0 when it is gone).
ino_t ipc_namespace(const std::string& pid) {
  struct stat st {};
  if (::stat(("/proc/" + pid + "/ns/ipc").c_str(), &st) != 0) return 0;
  return st.st_ino;
}

// Host processes still in the IPC namespace `ns`.
std::vector<pid_t> processes_in_ipc_namespace(ino_t ns) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ipc_namespace(name) == ns) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

std::string ints_as_bytes(const std::vector<int>& values) {
  std::string bytes(values.size() * sizeof(int), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

const SysvSegment* find_key(const std::vector<SysvSegment>& segments, long key) {
  auto it = std::find_if(segments.begin(), segments.end(), [&](const SysvSegment& s) { return s.key == key; });
  return it == segments.end() ? nullptr : &*it;
}

std::string listing(const std::vector<SysvSegment>& segments) {
  std::string out;
  for (const auto& s : segments) {
    out += fmt::format("{}key {:#x} id {} {} bytes mode {:04o} nattch {}", out.empty() ? "" : "; ",
                       static_cast<unsigned long>(s.key) & 0xffffffffUL, s.shmid, s.size, s.mode, s.nattch);
  }
  return out.empty() ? "no segments" : out;
}

// The program under inspection: creates a 20-byte segment, mode 0640, with
// the key ftok(argv[1], 42) (or argv[1] as a number with "number"), writes
// 7 8 9 10 11, says "ready <its pid>", and waits for the end of its stdin;
// then detaches and exits, leaving the segment. With "rmid" it marks the
// segment for removal before it says ready.
const std::string k_holder = R"(
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int by_number = argc > 2 && strcmp(argv[2], "number") == 0;
  int rmid = argc > 2 && strcmp(argv[2], "rmid") == 0;
  key_t key = by_number || rmid ? (key_t)strtol(argv[1], NULL, 0) : ftok(argv[1], 42);
  if (key == -1) { perror("ftok"); return 1; }
  int id = shmget(key, 5 * sizeof(int), IPC_CREAT | IPC_EXCL | 0640);
  if (id < 0) { perror("shmget"); return 1; }
  int *p = shmat(id, NULL, 0);
  if (p == (void *)-1) { perror("shmat"); shmctl(id, IPC_RMID, NULL); return 1; }
  for (int i = 0; i < 5; ++i) p[i] = 7 + i;
  if (rmid && shmctl(id, IPC_RMID, NULL) != 0) { perror("shmctl"); return 1; }
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  while (getchar() != EOF) {
  }
  if (shmdt(p) != 0) { perror("shmdt"); return 1; }
  puts("detached");
  return 0;
}
)";

class IpcInspector : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/proc/sysvipc/shm")) GTEST_SKIP() << "no /proc/sysvipc/shm on this machine";
    if (detect_isolation() == Isolation::none) {
      GTEST_SKIP() << "no namespaces on this machine: " << isolation_fallback_reason();
    }
    if (!test::have_gcc()) GTEST_SKIP() << "gcc is not installed";
    m_holder = test::compile_c(m_scratch.path(), "holder", k_holder);
  }

  static WorldOptions small_world() {
    WorldOptions options;
    options.shm_mb = 4;
    options.files = {"keyfile"};
    return options;
  }

  // Starts the holder in `world` and waits until it has written its ints;
  // returns the pid it has inside the world.
  std::shared_ptr<Process> start_holder(World& world, std::vector<std::string> args) {
    SpawnOptions options;
    options.argv = {m_holder.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.interactive_stdin = true;
    options.time_limit = 10.0;
    auto p = world.spawn(options);
    const bool ready = p->wait_for_stdout(
        [](const std::string& out) { return out.find('\n') != std::string::npos; }, k_patience);
    EXPECT_TRUE(ready) << "the holder never said it was ready";
    EXPECT_FALSE(p->finished()) << "the holder " << p->wait().describe() << ": " << p->stderr_text();
    return p;
  }

  static pid_t pid_said(const Process& p) {
    std::istringstream in(p.stdout_text());
    std::string word;
    int pid = -1;
    in >> word >> pid;
    return word == "ready" ? pid : -1;
  }

  TempDir m_scratch{"labgrade-test-"};
  fs::path m_holder;
};

TEST_F(IpcInspector, FreshWorldHasNoSegments) {
  World world(small_world());
  EXPECT_TRUE(sysv_segments(world).empty()) << listing(sysv_segments(world));
}

TEST_F(IpcInspector, SeesTheWorldsSegmentWhileAttachedAndAfterDetach) {
  auto world = std::make_unique<World>(small_world());
  const fs::path keyfile = world->workdir_from_outside() / "keyfile";
  const long key = ::ftok(keyfile.c_str(), 42);
  ASSERT_NE(key, -1) << "ftok(" << keyfile << ", 42): " << std::strerror(errno);
  ASSERT_EQ(test::host_sysv_shm_keys().count(key), 0u) << "the host already has a segment with key " << key;
  const ino_t world_ipc = ipc_namespace(std::to_string(world->init_pid()));
  ASSERT_NE(world_ipc, 0u);
  ASSERT_NE(world_ipc, ipc_namespace("self")) << "the world shares the grader's IPC namespace";

  auto holder = start_holder(*world, {(world->workdir() / "keyfile").string()});
  std::vector<SysvSegment> segments = sysv_segments(*world);
  ASSERT_EQ(segments.size(), 1u) << listing(segments);
  const SysvSegment s = segments[0];  // a copy: `segments` is read again below
  EXPECT_EQ(s.key, key) << "the key of ftok(workdir/keyfile, 42), the same inside the world and out";
  EXPECT_GE(s.shmid, 0);
  EXPECT_EQ(s.size, 20u);
  EXPECT_EQ(s.mode, 0640u);
  EXPECT_EQ(s.nattch, 1u) << "the holder is attached (the inspector's own attach is not counted)";
  EXPECT_EQ(s.bytes, ints_as_bytes({7, 8, 9, 10, 11}));
  EXPECT_GT(s.creator_pid, 0);
  EXPECT_EQ(test::host_sysv_shm_keys().count(key), 0u) << "the world's segment is visible on the host";

  holder->close_stdin();
  ASSERT_TRUE(holder->wait_for(k_patience)) << "the holder did not end after its stdin closed";
  EXPECT_TRUE(holder->wait().exited_with(0)) << holder->wait().describe() << ": " << holder->stderr_text();
  EXPECT_THAT(holder->stdout_text(), HasSubstr("detached\n"));

  segments = sysv_segments(*world);
  const SysvSegment* left = find_key(segments, key);
  ASSERT_NE(left, nullptr) << "the segment went with its creator: " << listing(segments);
  EXPECT_EQ(left->shmid, s.shmid);
  EXPECT_EQ(left->nattch, 0u);
  EXPECT_EQ(left->bytes, ints_as_bytes({7, 8, 9, 10, 11})) << "its contents outlive the program";
  EXPECT_EQ(test::host_sysv_shm_keys().count(key), 0u) << "the world's segment is visible on the host";

  world.reset();
  EXPECT_EQ(test::host_sysv_shm_keys().count(key), 0u) << "the world's segment reached the host at teardown";
  EXPECT_TRUE(test::eventually([&] { return processes_in_ipc_namespace(world_ipc).empty(); }, 2s))
      << "processes of the world's IPC namespace outlived it: the namespace (and its segment) lives on";
}

// ipc_inspector.hpp: "creator_pid: the host's pid of its creator, as Process::pid() says".
TEST_F(IpcInspector, CreatorPidIsTheHostPid) {
  World world(small_world());
  const long key = 0x4c470000L + std::stol(test::unique_digits(4));
  auto holder = start_holder(world, {std::to_string(key), "number"});
  const pid_t inside = pid_said(*holder);
  ASSERT_GT(inside, 0) << holder->stdout_text();
  ASSERT_NE(inside, holder->pid()) << "no pid namespace: the test proves nothing";
  auto segments = sysv_segments(world);
  const SysvSegment* s = find_key(segments, key);
  ASSERT_NE(s, nullptr) << listing(segments);
  EXPECT_EQ(s->creator_pid, holder->pid()) << "the holder is pid " << inside << " in the world and " << holder->pid()
                                          << " on the host";
  holder->close_stdin();
}

TEST_F(IpcInspector, SegmentMarkedForRemovalShowsKeyZeroUntilDetached) {
  World world(small_world());
  const long key = 0x4c470000L + std::stol(test::unique_digits(4));
  auto holder = start_holder(world, {std::to_string(key), "rmid"});
  auto segments = sysv_segments(world);
  ASSERT_EQ(segments.size(), 1u) << listing(segments);
  EXPECT_EQ(segments[0].key, 0) << "a segment marked for removal loses its key (ipcs shows 0x00000000)";
  EXPECT_EQ(segments[0].nattch, 1u);
  EXPECT_EQ(segments[0].mode, 0640u) << "the SHM_DEST flag is not a permission";
  EXPECT_EQ(segments[0].size, 20u);
  EXPECT_EQ(segments[0].bytes, ints_as_bytes({7, 8, 9, 10, 11}));
  EXPECT_EQ(find_key(segments, key), nullptr);

  holder->close_stdin();
  ASSERT_TRUE(holder->wait_for(k_patience));
  EXPECT_TRUE(holder->wait().exited_with(0)) << holder->wait().describe() << ": " << holder->stderr_text();
  EXPECT_TRUE(sysv_segments(world).empty()) << "the last detach destroys it: " << listing(sysv_segments(world));
}

TEST_F(IpcInspector, BytesAreCappedAtMaxBytes) {
  World world(small_world());
  const long key = 0x4c470000L + std::stol(test::unique_digits(4));
  auto holder = start_holder(world, {std::to_string(key), "number"});
  auto segments = sysv_segments(world, 8);
  ASSERT_EQ(segments.size(), 1u) << listing(segments);
  EXPECT_EQ(segments[0].size, 20u);
  EXPECT_EQ(segments[0].bytes, ints_as_bytes({7, 8}));
  holder->close_stdin();
}

TEST_F(IpcInspector, WorldsDoNotSeeEachOthersSegments) {
  World first(small_world());
  World second(small_world());
  const long key = 0x4c470000L + std::stol(test::unique_digits(4));
  auto holder = start_holder(first, {std::to_string(key), "number"});
  EXPECT_EQ(sysv_segments(first).size(), 1u);
  EXPECT_TRUE(sysv_segments(second).empty()) << listing(sysv_segments(second));
  holder->close_stdin();
}

TEST_F(IpcInspector, InspectingATornDownWorldIsASyscallErrorNamingSetns) {
  World world(small_world());
  world.tear_down();
  try {
    sysv_segments(world);
    ADD_FAILURE() << "inspecting a torn-down world did not throw";
  } catch (const SyscallError& e) {
    EXPECT_THAT(e.what(), HasSubstr("setns"));
    EXPECT_EQ(e.error_number(), ESRCH) << "the errno setns gave (its init is gone), not a made-up one: " << e.what();
  }
}

}  // namespace
}  // namespace labgrade
