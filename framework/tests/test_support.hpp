// Helpers shared by the framework's tests: files, unique names, waiting for
// an event with a deadline, and finding (and, on failure, ending) the
// processes a test started, by a marker unique to the test run.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "labgrade/lab_spec.hpp"
#include "labgrade/proc_files.hpp"

namespace labgrade::test {

/// The labgrade source tree (set by framework/tests/CMakeLists.txt).
inline std::filesystem::path source_dir() { return LABGRADE_SOURCE_DIR; }
inline std::filesystem::path tests_dir() { return source_dir() / "framework" / "tests"; }

/// A lab of these checks (each with what it needs), in this order, titled by their ids; nothing else set.
inline LabSpec lab_with(const std::vector<std::pair<std::string, std::vector<std::string>>>& checks) {
  LabSpec lab;
  long line = 10;
  for (const auto& [test, needs] : checks) {
    CheckSpec spec;
    spec.test = test;
    spec.title = test;
    spec.needs = needs;
    spec.line = line;
    line += 5;
    lab.checks.push_back(spec);
  }
  return lab;
}

inline void write_text(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `digits` random decimal digits (never starting with 0): names and argv
/// markers that no other test run, and no other program, uses.
inline std::string unique_digits(std::size_t digits = 9) {
  static std::random_device device;
  std::uniform_int_distribution<int> first(1, 9), rest(0, 9);
  std::string out(1, static_cast<char>('0' + first(device)));
  while (out.size() < digits) out += static_cast<char>('0' + rest(device));
  return out;
}

/// Polls `ready` until it holds or `timeout` passes; true when it held. The
/// short pause between polls is a polling interval, not an ordering sleep:
/// the outcome never depends on its length.
inline bool eventually(const std::function<bool()>& ready, std::chrono::duration<double> timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// Host pids (other than ours) whose NUL-separated command line contains `marker`.
inline std::vector<pid_t> pids_with_cmdline(const std::string& marker) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    if (read_text(entry.path() / "cmdline").find(marker) != std::string::npos) out.push_back(pid);
  }
  return out;
}

/// The state letter of /proc/<pid>/stat ('R', 'S', 'T', 'Z', ...), or 0 when gone.
inline char process_state(pid_t pid) {
  auto stat = read_proc_stat("/proc/" + std::to_string(pid) + "/stat");
  return stat ? stat->state : 0;
}

/// Ends, at scope exit, every process whose command line holds `marker`:
/// a failing test must not leave its sleepers behind. (Only processes this
/// test started carry the marker; they are killed by pid.)
class MarkedProcessReaper {
 public:
  explicit MarkedProcessReaper(std::string marker) : m_marker(std::move(marker)) {}
  MarkedProcessReaper(const MarkedProcessReaper&) = delete;
  MarkedProcessReaper& operator=(const MarkedProcessReaper&) = delete;
  ~MarkedProcessReaper() {
    for (pid_t pid : pids_with_cmdline(m_marker)) {
      ::kill(pid, SIGCONT);
      ::kill(pid, SIGKILL);
    }
    // A killed process's cmdline reads empty once it is a zombie.
    eventually([&] { return pids_with_cmdline(m_marker).empty(); }, std::chrono::seconds(2));
  }
  const std::string& marker() const { return m_marker; }

 private:
  std::string m_marker;
};

/// Removes a file at scope exit, whatever happened (a host /dev/shm object).
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::filesystem::path path) : m_path(std::move(path)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() {
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

// The ids and keys of the System V segments the host sees (/proc/sysvipc/shm).
inline std::vector<std::pair<long, int>> host_sysv_shm() {
  std::vector<std::pair<long, int>> out;
  std::istringstream in(read_text("/proc/sysvipc/shm"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    long key = 0;
    int id = -1;
    if (fields >> key >> id) out.emplace_back(key, id);
  }
  return out;
}

inline std::set<int> host_sysv_shm_ids() {
  std::set<int> ids;
  for (const auto& [key, id] : host_sysv_shm()) ids.insert(id);
  return ids;
}

// The ids of the host's System V segments created by `uid` (the cuid column):
// a world's programs run as a uid no other world has while it lives, so its
// segments are told apart from those of tests running beside it on the host.
inline std::set<int> host_sysv_shm_ids_of(uid_t uid) {
  std::set<int> ids;
  std::istringstream in(read_text("/proc/sysvipc/shm"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    long key = 0, skip = 0;
    int id = -1;
    long cuid = -1;
    if (!(fields >> key >> id)) continue;
    for (int column = 2; column < 9; ++column) fields >> skip;  // perms size cpid lpid nattch uid gid
    if (fields >> cuid && cuid == static_cast<long>(uid)) ids.insert(id);
  }
  return ids;
}

inline std::set<long> host_sysv_shm_keys() {
  std::set<long> keys;
  for (const auto& [key, id] : host_sysv_shm()) keys.insert(key);
  return keys;
}

}  // namespace labgrade::test
