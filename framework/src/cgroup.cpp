#include "labgrade/cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/machine_lock.hpp"
#include "labgrade/proc_files.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

bool contains(const std::vector<std::string>& words, const std::string& word) {
  for (const auto& w : words) if (w == word) return true;
  return false;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) throw SyscallError("open", fmt::format("\"{}\", O_WRONLY", path.string()), errno);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw SyscallError("write", fmt::format("\"{}\", \"{}\"", path.string(), text), errno);
}

// "key N" lines (memory.events, pids.events, memory.oom_control): N for key.
long counter(const fs::path& file, const std::string& key) {
  std::istringstream in(read_text(file));
  std::string name;
  long value = 0;
  while (in >> name >> value) if (name == key) return value;
  return 0;
}

struct Mount {
  fs::path point;
  std::string root;  // the mount's root inside the hierarchy
};

// Our cgroup's directory in a hierarchy: the mount point plus our path below the mount's root.
fs::path own_dir(const Mount& mount, const std::string& own_path) {
  std::string rel = own_path;
  if (mount.root != "/" && rel.rfind(mount.root, 0) == 0) rel = rel.substr(mount.root.size());
  return mount.point / fs::path(rel).relative_path();
}

// Where this process's cgroups are: the v2 one, and each v1 controller's.
struct OwnCgroups {
  std::optional<fs::path> unified, unified_top;  // ours, and the hierarchy's mount point (as far up as we see)
  std::map<std::string, fs::path> v1, v1_top;    // the same by controller: "memory" → /sys/fs/cgroup/memory/<ours>
};

OwnCgroups own_cgroups() {
  // Mounts: "id parent major:minor root point options ... - fstype source super-options"
  std::optional<Mount> unified;
  std::map<std::string, Mount> controllers;
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto fields = split(line.substr(0, dash), ' ');
    auto tail = split(line.substr(dash + 3), ' ');
    if (fields.size() < 5 || tail.size() < 3) continue;
    Mount m{fields[4], fields[3]};
    if (tail[0] == "cgroup2") unified = m;
    if (tail[0] == "cgroup") {
      for (const auto& option : split(tail[2], ',')) controllers[option] = m;
    }
  }
  // Our place in each hierarchy: "N:controllers:path", v2 is "0::path".
  OwnCgroups own;
  std::ifstream self("/proc/self/cgroup");
  for (std::string line; std::getline(self, line);) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && second == first + 1) {
      if (unified) {
        own.unified = own_dir(*unified, path);
        own.unified_top = unified->point;
      }
      continue;
    }
    for (const auto& controller : split(line.substr(first + 1, second - first - 1), ',')) {
      if (auto it = controllers.find(controller); it != controllers.end()) {
        own.v1[controller] = own_dir(it->second, path);
        own.v1_top[controller] = it->second.point;
      }
    }
  }
  return own;
}

// Can groups be made here? (a read-only or foreign hierarchy says no)
std::string try_mkdir(const fs::path& parent) {
  fs::path probe = parent / fmt::format("labgrade-{}-probe", ::getpid());
  if (::mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST)
    return fmt::format("mkdir(\"{}\"): {}", probe.string(), std::strerror(errno));
  ::rmdir(probe.c_str());
  return "";
}

CgroupSupport detect() {
  CgroupSupport s;
  if (const char* env = std::getenv("LABGRADE_CGROUPS"); env != nullptr && std::string(env) == "off") {
    s.reason = "LABGRADE_CGROUPS=off";
    return s;
  }
  const OwnCgroups own = own_cgroups();
  std::vector<std::string> reasons;
  if (own.unified) {
    const fs::path& dir = *own.unified;
    auto delegated = split(read_text(dir / "cgroup.subtree_control"), ' ');
    for (auto& c : delegated) while (!c.empty() && c.back() == '\n') c.pop_back();
    if (contains(delegated, "memory") && contains(delegated, "pids")) {
      std::string why = try_mkdir(dir);
      if (why.empty()) return CgroupSupport{CgroupVersion::v2, dir, dir, ""};
      reasons.push_back("cgroup v2: " + why);
    } else {
      reasons.push_back(fmt::format("cgroup v2: memory and pids are not delegated to {}", dir.string()));
    }
  }
  if (own.v1.count("memory") != 0 && own.v1.count("pids") != 0) {
    const fs::path& m = own.v1.at("memory");
    const fs::path& p = own.v1.at("pids");
    std::string why = try_mkdir(m);
    if (why.empty()) why = try_mkdir(p);
    if (why.empty()) return CgroupSupport{CgroupVersion::v1, m, p, ""};
    reasons.push_back("cgroup v1: " + why);
  } else if (!own.unified) {
    reasons.push_back("no cgroup hierarchy with the memory and pids controllers is mounted");
  }
  for (std::size_t i = 0; i < reasons.size(); ++i) s.reason += (i ? "; " : "") + reasons[i];
  return s;
}

std::vector<pid_t> procs_of(const fs::path& dir) {
  std::vector<pid_t> pids;
  std::istringstream in(read_text(dir / "cgroup.procs"));
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

// Kills every process of a group (SIGCONT after SIGKILL: a stopped one must
// go too) until none is left or a second has passed.
void empty_group(const fs::path& dir) noexcept {
  try {
    if (fs::exists(dir / "cgroup.kill")) {
      try { write_text(dir / "cgroup.kill", "1"); } catch (const std::exception&) {}
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (;;) {
      auto pids = procs_of(dir);
      if (pids.empty() || std::chrono::steady_clock::now() > until) return;
      for (pid_t pid : pids) {
        ::kill(pid, SIGKILL);
        ::kill(pid, SIGCONT);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  } catch (const std::exception&) {
  }
}

void remove_group(const fs::path& dir) noexcept {
  empty_group(dir);
  // A process killed a moment ago may still be leaving the group.
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

const CgroupSupport& cgroup_support() {
  static std::once_flag once;
  static CgroupSupport support;
  std::call_once(once, [] {
    support = detect();
    remove_stale_cgroups(support);
  });
  return support;
}

std::optional<double> cgroup_cpu_limit(CgroupVersion version, const fs::path& top, const fs::path& dir) {
  std::optional<double> tightest;
  auto number = [](const std::string& text) -> std::optional<double> {
    try {
      return std::stod(text);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  for (fs::path d = dir;; d = d.parent_path()) {
    std::optional<double> quota, period;
    if (version == CgroupVersion::v2) {  // "max 100000" or "200000 100000"
      const auto words = split(read_text(d / "cpu.max"), ' ');
      if (words.size() == 2 && words[0] != "max") quota = number(words[0]), period = number(words[1]);
    } else {  // -1: none
      quota = number(read_text(d / "cpu.cfs_quota_us"));
      period = number(read_text(d / "cpu.cfs_period_us"));
    }
    if (quota && period && *quota > 0 && *period > 0) {
      const double cpus = *quota / *period;
      tightest = std::min(tightest.value_or(cpus), cpus);
    }
    if (d == top || !d.has_relative_path() || d.parent_path() == d) break;
  }
  return tightest;
}

std::optional<double> cgroup_cpu_limit() {
  const OwnCgroups own = own_cgroups();
  std::optional<double> limit;
  if (own.unified) limit = cgroup_cpu_limit(CgroupVersion::v2, *own.unified_top, *own.unified);
  if (auto it = own.v1.find("cpu"); it != own.v1.end()) {
    if (auto v1 = cgroup_cpu_limit(CgroupVersion::v1, own.v1_top.at("cpu"), it->second)) {
      limit = std::min(limit.value_or(*v1), *v1);
    }
  }
  return limit;
}

std::string describe(const CgroupSupport& support) {
  switch (support.version) {
    case CgroupVersion::v1: return "cgroup v1 (memory, pids)";
    case CgroupVersion::v2: return "cgroup v2 (memory, pids)";
    case CgroupVersion::none: return fmt::format("none ({})", support.reason);
  }
  return "none";
}

namespace {

// Groups are reused, world after world, within a process: making and removing
// a memory group (its charges reparented) costs more than emptying it. A
// group goes back to the pool empty; the pool removes its groups at exit
// (those of a killed process are removed by the next run's start-up).
struct Group {
  CgroupVersion version;
  std::vector<fs::path> dirs;  // v1: memory, pids; v2: one
  std::vector<UniqueFd> procs;
  std::string limits_written;  // what its limit files hold now
};

class Pool {
 public:
  ~Pool() {
    for (auto& g : m_free) {
      g.procs.clear();
      for (const auto& dir : g.dirs) remove_group(dir);
    }
  }
  std::optional<Group> take(CgroupVersion version) {
    std::lock_guard guard(m_mutex);
    for (auto it = m_free.begin(); it != m_free.end(); ++it) {
      if (it->version != version) continue;
      Group g = std::move(*it);
      m_free.erase(it);
      return g;
    }
    return std::nullopt;
  }
  void give(Group g) {
    std::lock_guard guard(m_mutex);
    m_free.push_back(std::move(g));
  }

 private:
  std::mutex m_mutex;
  std::vector<Group> m_free;
};

Pool& pool() {
  static Pool p;
  return p;
}


// "@labgrade-alive-<token>": an abstract socket a process holds while its
// groups may be in use. Its pid alone cannot tell: a labgrade in another pid
// namespace (a container, CI's outer sandbox) has pids this one cannot see.
const std::string& alive_token() {
  static UniqueFd held;
  static const std::string token = [] {
    std::random_device random;
    for (;;) {
      std::string t = fmt::format("{:08x}{:08x}", random(), random());
      if ((held = try_machine_lock("labgrade-alive-" + t))) return t;
    }
  }();
  return token;
}

// Whether the process that named a group "labgrade-<pid>-<token>-<n>" still holds its token.
bool token_held(const std::string& group_name) {
  const auto first = group_name.find('-', 9);  // after "labgrade-"
  const auto second = first == std::string::npos ? first : group_name.find('-', first + 1);
  if (second == std::string::npos) return false;
  const std::string token = group_name.substr(first + 1, second - first - 1);
  if (token.size() != 16 || token.find_first_not_of("0123456789abcdef") != std::string::npos) return false;
  return !try_machine_lock("labgrade-alive-" + token);  // in use: its owner lives
}

Group make_group(const CgroupSupport& support) {
  static std::atomic<unsigned> next{0};
  const std::string name = fmt::format("labgrade-{}-{}-{}", ::getpid(), alive_token(), next++);
  Group g{support.version, {}, {}, ""};
  try {
    const std::vector<fs::path> parents = support.version == CgroupVersion::v1
                                              ? std::vector<fs::path>{support.memory_parent, support.pids_parent}
                                              : std::vector<fs::path>{support.memory_parent};
    for (const fs::path& parent : parents) {
      fs::path dir = parent / name;
      if (::mkdir(dir.c_str(), 0755) != 0) throw SyscallError("mkdir", fmt::format("\"{}\"", dir.string()), errno);
      g.dirs.push_back(dir);
    }
    for (const fs::path& dir : g.dirs) {
      UniqueFd fd{::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC)};
      if (!fd) throw SyscallError("open", fmt::format("\"{}\", O_WRONLY", (dir / "cgroup.procs").string()), errno);
      g.procs.push_back(std::move(fd));
    }
  } catch (...) {
    for (const fs::path& dir : g.dirs) ::rmdir(dir.c_str());
    throw;
  }
  return g;
}

void write_limits(Group& g, const CgroupLimits& limits) {
  const std::string wanted = fmt::format("{}/{}", limits.memory_mb, limits.processes);
  if (g.limits_written == wanted) return;
  const std::string bytes = std::to_string(limits.memory_mb * 1024 * 1024);
  if (g.version == CgroupVersion::v1) {
    // memsw (memory + swap) must stay >= memory: raise it first, lower it last.
    const fs::path memsw = g.dirs[0] / "memory.memsw.limit_in_bytes";
    const bool has_memsw = fs::exists(memsw);
    if (has_memsw) try { write_text(memsw, "-1"); } catch (const SyscallError&) {}
    write_text(g.dirs[0] / "memory.limit_in_bytes", bytes);
    if (has_memsw) try { write_text(memsw, bytes); } catch (const SyscallError&) {}  // no swap either, where accounted
    write_text(g.dirs[1] / "pids.max", std::to_string(limits.processes));
  } else {
    write_text(g.dirs[0] / "memory.max", bytes);
    if (fs::exists(g.dirs[0] / "memory.swap.max")) write_text(g.dirs[0] / "memory.swap.max", "0");
    write_text(g.dirs[0] / "pids.max", std::to_string(limits.processes));
  }
  g.limits_written = wanted;
}

long oom_kills(CgroupVersion version, const fs::path& memory_dir) {
  return version == CgroupVersion::v1 ? counter(memory_dir / "memory.oom_control", "oom_kill")
                                      : counter(memory_dir / "memory.events", "oom_kill");
}

}  // namespace

WorldCgroup::WorldCgroup(const CgroupSupport& support, const CgroupLimits& limits)
    : m_version(support.version), m_limits(limits) {
  if (m_version == CgroupVersion::none) throw GraderError("WorldCgroup without cgroup support: " + support.reason);
  auto reused = pool().take(m_version);
  Group g = reused ? std::move(*reused) : make_group(support);
  try {
    write_limits(g, limits);
  } catch (...) {
    g.procs.clear();
    for (const fs::path& dir : g.dirs) remove_group(dir);
    throw;
  }
  m_dirs = g.dirs;
  m_procs = std::move(g.procs);
  m_limits_written = g.limits_written;
  // The counters go on from the group's earlier worlds: this world's are the increase.
  m_oom_kills_before = oom_kills(m_version, m_dirs.front());
  m_pids_max_before = counter(m_dirs.back() / "pids.events", "max");
}

WorldCgroup::~WorldCgroup() {
  kill_all();
  bool empty = true;
  for (const fs::path& dir : m_dirs) {
    try {
      empty = empty && procs_of(dir).empty();
    } catch (const std::exception&) {
      empty = false;
    }
  }
  if (empty) {
    pool().give(Group{m_version, m_dirs, std::move(m_procs), m_limits_written});
    return;
  }
  m_procs.clear();
  for (const fs::path& dir : m_dirs) remove_group(dir);
}

std::vector<int> WorldCgroup::join_fds() const {
  std::vector<int> fds;
  for (const auto& fd : m_procs) fds.push_back(fd.get());
  return fds;
}

std::optional<std::string> WorldCgroup::limit_hit() const {
  std::vector<std::string> hits;
  try {
    if (oom_kills(m_version, m_dirs.front()) > m_oom_kills_before)
      hits.push_back(fmt::format("memory limit of {} MiB exceeded in a check's world", m_limits.memory_mb));
    if (counter(m_dirs.back() / "pids.events", "max") > m_pids_max_before)
      hits.push_back(fmt::format("too many processes (a check's world may have {} at once)", m_limits.processes));
  } catch (const std::exception&) {
  }
  if (hits.empty()) return std::nullopt;
  std::string text = hits[0];
  for (std::size_t i = 1; i < hits.size(); ++i) text += "; " + hits[i];
  return text;
}

void WorldCgroup::kill_all() noexcept {
  for (const fs::path& dir : m_dirs) empty_group(dir);
}

struct CgroupMovesKeptWarm::State {
  std::mutex mutex;
  std::condition_variable stop;
  bool stopping = false;
  std::thread thread;
};

CgroupMovesKeptWarm::CgroupMovesKeptWarm(const CgroupSupport& support) {
  if (support.version == CgroupVersion::none) return;
  UniqueFd fd{::open((support.pids_parent / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return;  // not ours to write: the moves stay as they are
  m_state = std::make_unique<State>();
  m_state->thread = std::thread([state = m_state.get(), fd = std::move(fd)] {
    const std::string self = std::to_string(::getpid());
    std::unique_lock lock(state->mutex);
    while (!state->stopping) {
      ssize_t ignored = ::write(fd.get(), self.data(), self.size());  // to where we are: no change
      (void)ignored;
      state->stop.wait_for(lock, std::chrono::milliseconds(4));
    }
  });
}

CgroupMovesKeptWarm::~CgroupMovesKeptWarm() {
  if (!m_state) return;
  {
    std::lock_guard guard(m_state->mutex);
    m_state->stopping = true;
  }
  m_state->stop.notify_all();
  m_state->thread.join();
}

namespace {

// Ended: gone, or a zombie nobody reaps (the orphaned check runner of a
// SIGKILLed labgrade, in a container whose init does not reap).
bool has_ended(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  auto stat = read_proc_stat(fmt::format("/proc/{}/stat", pid));
  return !stat || stat->state == 'Z' || stat->state == 'X';
}

}  // namespace

bool cgroup_owner_lives(const std::string& group_name) {
  pid_t owner = 0;
  if (std::sscanf(group_name.c_str(), "labgrade-%d-", &owner) != 1 || owner <= 0) return true;  // not ours to judge
  return owner == ::getpid() || token_held(group_name) || !has_ended(owner);
}

void remove_stale_cgroups(const CgroupSupport& support) noexcept {
  if (support.version == CgroupVersion::none) return;
  for (const fs::path& parent : {support.memory_parent, support.pids_parent}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("labgrade-", 0) != 0 || cgroup_owner_lives(name)) continue;
      remove_group(entry.path());
    }
  }
}

}  // namespace labgrade
