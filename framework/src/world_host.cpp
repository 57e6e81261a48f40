// The host as a world, where namespaces are not allowed: one world at a time
// on the machine, its programs contained by what the kernel offers.
#include "labgrade/world.hpp"

#include <mqueue.h>
#include <pwd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/landlock.hpp"
#include "labgrade/machine_lock.hpp"
#include "world_host.hpp"
#include "world_init.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

void become_subreaper_once() {
  static std::once_flag once;
  std::call_once(once, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1); });
}

// The names in the host's /dev/shm, sorted.
std::vector<std::string> host_shm_entries() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/dev/shm", ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::atomic<bool>& host_lock_flag() {
  static std::atomic<bool> held_here{false};
  return held_here;
}

UniqueFd lock_host() {
  if (host_lock_flag().exchange(true)) {
    throw GraderError("isolation is off and this process already has a world: one world at a time");
  }
  try {
    return machine_lock("labgrade-isolation-off");
  } catch (...) {
    host_lock_flag().store(false);
    throw;
  }
}

// Every System V object of the machine: its kind ("shm", "msg", "sem"),
// key, id and owner (the table's "uid" column: readable whatever its mode).
struct SysvObject {
  std::string_view kind;
  long key;
  int id;
  long uid;
};
std::vector<SysvObject> sysv_objects() {
  std::vector<SysvObject> out;
  for (const char* kind : {"shm", "msg", "sem"}) {
    std::ifstream table(fmt::format("/proc/sysvipc/{}", kind));
    std::string header;
    std::getline(table, header);
    std::istringstream names(header);
    std::size_t uid_column = 0;
    for (std::string name; names >> name && name != "uid";) ++uid_column;
    for (std::string line; std::getline(table, line);) {
      std::istringstream fields(line);
      std::vector<std::string> values{std::istream_iterator<std::string>(fields), {}};
      if (values.size() <= std::max<std::size_t>(uid_column, 1)) continue;
      try {
        out.push_back({kind, std::stol(values[0]), std::stoi(values[1]), std::stol(values[uid_column])});
      } catch (const std::exception&) {
      }
    }
  }
  return out;
}

// The low 24 bits of every System V object's key on the machine (ftok's
// part that comes from a file: its device and inode).
std::set<long> sysv_file_keys() {
  std::set<long> keys;
  for (const SysvObject& o : sysv_objects()) {
    if (o.key != IPC_PRIVATE) keys.insert(o.key & 0xffffff);
  }
  return keys;
}

long ftok_bits(const struct stat& st) { return static_cast<long>(((st.st_dev & 0xff) << 16) | (st.st_ino & 0xffff)); }

std::string user_name(uid_t uid) {
  passwd entry{}, *found = nullptr;
  char buffer[1024];
  if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr)
    return fmt::format("uid {} ({})", uid, found->pw_name);
  return fmt::format("uid {}", uid);
}

std::string object_there_first(const fs::path& path, const std::string& remove) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  char when[32] = "?";
  std::tm local{};
  if (::localtime_r(&st.st_mtime, &local) != nullptr) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M", &local);
  return fmt::format("{} was there before this check began (owner {}, {} bytes, last changed {}): the check's "
                     "programs would use it by the same name, and labgrade never removes what it did not make. "
                     "Remove it ({}, as its owner or root) and grade again, or grade where namespaces are allowed",
                     path.string(), user_name(st.st_uid), st.st_size, when, remove);
}

// A POSIX name without its leading slashes ("/SYSUOS_mq" -> "SYSUOS_mq").
std::string bare_name(const std::string& name) {
  const auto start = name.find_first_not_of('/');
  return start == std::string::npos ? std::string() : name.substr(start);
}

// Landlock can allow POSIX message queues only through the mqueue file
// system's root as a path: /dev/mqueue, mounted (systemd and Docker mount it).
bool mqueue_mounted() {
  struct statfs fs {};
  return ::statfs("/dev/mqueue", &fs) == 0 && fs.f_type == 0x19800202;  // MQUEUE_MAGIC
}

// Bytes on disk (or in memory) of a folder's files, or of a file.
std::uintmax_t bytes_used(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  std::uintmax_t total = static_cast<std::uintmax_t>(st.st_blocks) * 512;
  if (!S_ISDIR(st.st_mode)) return total;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (::lstat(it->path().c_str(), &st) == 0) total += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  }
  return total;
}

// `allowed`, but for what lies in `hidden`: a folder that holds a hidden one
// is replaced by its entries, but the one on the way (Landlock can only
// allow, never deny, below an allowed folder).
std::vector<fs::path> allowed_except(const std::vector<fs::path>& allowed, const std::vector<fs::path>& hidden) {
  std::vector<fs::path> out;
  for (const fs::path& folder : allowed) {
    auto inside = [&](const fs::path& h) {
      auto [end, ignored] = std::mismatch(folder.begin(), folder.end(), h.begin(), h.end());
      return end == folder.end();
    };
    std::vector<fs::path> below;
    for (const fs::path& h : hidden) {
      if (inside(h)) below.push_back(h);
    }
    if (below.empty()) {
      out.push_back(folder);
      continue;
    }
    if (std::find(below.begin(), below.end(), folder) != below.end()) continue;  // hidden itself
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(folder, ec)) entries.push_back(e.path());
    for (const fs::path& kept : allowed_except(entries, below)) out.push_back(kept);
  }
  return out;
}

}  // namespace

std::vector<pid_t> children_of_self() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "children");
    pid_t pid;
    while (in >> pid) out.push_back(pid);
  }
  return out;
}

std::string host_containment(bool posix_queues) {
  std::vector<std::string> parts;
  const LandlockSupport& landlock = landlock_support();
  if (landlock.abi > 0 && posix_queues && !mqueue_mounted()) {
    parts.push_back("no Landlock (the lab's POSIX message queues need /dev/mqueue mounted for it: "
                    "mount -t mqueue none /dev/mqueue): programs can read what their user can");
  } else if (landlock.abi > 0) {
    parts.push_back(LandlockRuleset::build(LandlockPolicy{}).describe());
  } else {
    parts.push_back(fmt::format("no Landlock ({}): programs can read what this user can", landlock.reason));
  }
  parts.push_back("seccomp (signals to their own processes only, no Internet sockets)");
  parts.push_back(::geteuid() == 0 ? fmt::format("an unprivileged uid of their own ({}..{})", SandboxUser::k_first_uid,
                                                 SandboxUser::k_first_uid + SandboxUser::k_uid_count - 1)
                                   : "the caller's own uid");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// The host as a world: its working directory (the sandbox user's), the
// machine taken (one world at a time), what was there first refused, and a
// Landlock domain where the kernel has one. The compiler's world holds no lock.
void World::begin_on_host(const WorldOptions& options, std::chrono::steady_clock::time_point asked) {
  if (m_workdir_bind.empty()) m_workdir.emplace("labgrade-world-", options.scratch_parent);
  m_workdir_inside = m_workdir_bind.empty() ? m_workdir->path() : m_workdir_bind;
  give_to_programs(m_workdir_inside);
  if (landlock_support().abi > 0 && (m_mq_names.empty() || mqueue_mounted())) {
    LandlockPolicy policy;
    for (const auto& entry : detail::system_folders()) {
      if (!entry.is_link) policy.read_only.push_back(entry.source);
    }
    policy.read_only.insert(policy.read_only.end(), {"/etc", "/dev/random", "/dev/urandom"});
    // labgrade's own folders (an installed labgrade's labs and references in /usr/share) stay out.
    std::vector<fs::path> hidden;
    for (const fs::path& h : options.hidden) {
      std::error_code ec;
      if (fs::path c = fs::weakly_canonical(h, ec); !ec) hidden.push_back(c);
    }
    policy.read_only = allowed_except(policy.read_only, hidden);
    policy.read_write = {m_workdir_inside, "/dev/shm", "/dev/mqueue", "/dev/null", "/dev/zero", "/dev/full"};
    m_landlock = std::make_shared<LandlockRuleset>(LandlockRuleset::build(policy));
  }
  if (!m_workdir_bind.empty()) {
    m_waited = std::chrono::steady_clock::now() - asked;
    return;
  }
  // One world at a time on the host: fixed names would collide.
  m_host_lock = lock_host();
  m_waited = std::chrono::steady_clock::now() - asked;
  try {
    become_subreaper_once();
    refuse_objects_there_first();
    make_files_on_host(options.files);
    m_host_shm_before = host_shm_entries();
    // No tmpfs caps the world's files here: its pumps measure them instead.
    m_host_usage = [workdir = m_workdir_inside, before = m_host_shm_before, uid = program_uid(),
                    shm_mb = options.shm_mb, workdir_mb = options.workdir_mb]() -> std::optional<std::string> {
      constexpr std::uintmax_t k_mb = 1 << 20;
      if (bytes_used(workdir) >= static_cast<std::uintmax_t>(workdir_mb) * k_mb)
        return fmt::format("the working directory is full ({} MiB in a check's world)", workdir_mb);
      std::uintmax_t shm = 0;
      for (const auto& name : host_shm_entries()) {
        struct stat st {};
        if (std::binary_search(before.begin(), before.end(), name) || ::lstat(("/dev/shm/" + name).c_str(), &st) != 0 ||
            st.st_uid != uid)
          continue;
        shm += static_cast<std::uintmax_t>(st.st_blocks) * 512;
      }
      if (shm >= static_cast<std::uintmax_t>(shm_mb) * k_mb)
        return fmt::format("/dev/shm is full ({} MiB in a check's world)", shm_mb);
      return std::nullopt;
    };
  } catch (...) {
    m_host_lock.reset();
    host_lock_flag().store(false);
    throw;
  }
}

// An object the lab's names could collide with, there before the world
// began, is not the student's (a grader error, naming it) and never removed.
// The files that ftok keys come from get an inode whose key no object has.
void World::refuse_objects_there_first() const {
  for (const auto& name : m_shm_names) {
    const std::string bare = bare_name(name);
    if (bare.empty()) continue;
    if (auto why = object_there_first(fs::path("/dev/shm") / bare, "rm /dev/shm/" + bare); !why.empty())
      throw GraderError(why);
  }
  for (const auto& name : m_mq_names) {
    const std::string bare = bare_name(name);
    if (bare.empty()) continue;
    if (auto why = object_there_first(fs::path("/dev/mqueue") / bare, "rm /dev/mqueue/" + bare); !why.empty())
      throw GraderError(why);
    mqd_t q = ::mq_open(name.c_str(), O_RDONLY);  // where /dev/mqueue is not mounted
    if (q != static_cast<mqd_t>(-1)) ::mq_close(q);
    if (q != static_cast<mqd_t>(-1) || errno == EACCES)
      throw GraderError(fmt::format("the POSIX message queue {} was there before this check began: labgrade never "
                                    "removes what it did not make; remove it (mq_unlink, as its owner or root) and grade "
                                    "again, or grade where namespaces are allowed", name));
  }
}

// The lab's empty files (such as the SYSUOS that ftok needs) on the host,
// each with an inode whose ftok key no System V object of the machine has yet.
void World::make_files_on_host(const std::vector<std::string>& names) {
  const std::set<long> taken = names.empty() ? std::set<long>{} : sysv_file_keys();
  for (const auto& name : names) {
    const fs::path path = m_workdir_inside / name;
    std::vector<fs::path> tried;
    bool made = false;
    for (int attempt = 0; attempt < 16 && !made; ++attempt) {
      const fs::path candidate = m_workdir_inside / fmt::format(".{}.{}", name, attempt);
      std::ofstream(candidate).close();
      struct stat st {};
      if (::stat(candidate.c_str(), &st) != 0) throw SyscallError("stat", fmt::format("\"{}\"", candidate.string()), errno);
      if (taken.count(ftok_bits(st)) == 0) {
        fs::rename(candidate, path);
        give_to_programs(path);
        made = true;
      } else {
        tried.push_back(candidate);  // kept until the end: its inode is not given again meanwhile
      }
    }
    for (const auto& t : tried) fs::remove(t);
    if (!made) throw GraderError(fmt::format("{}: every inode tried had the ftok key of a System V object of the machine", path.string()));
  }
}

void World::prepare_host_spawn(SpawnOptions& options) {
  options.count_forks = true;  // no pid namespace to count them
  options.limit_check = m_host_usage;
  options.signal_guard.emplace("/proc");
  options.seccomp = &SeccompFilter::for_programs(/*on_host=*/true);
  if (m_landlock) {
    m_landlock->allow_read(options.argv[0]);
    options.landlock = m_landlock.get();
  }
}

// Our own programs are reaped by now; what is left are daemons that came
// back to us (the subreaper): killed. Then what the world made is removed.
void World::end_on_host() noexcept {
  if (!m_host_lock) return;  // the compiler's world
  for (int round = 0; round < 100; ++round) {
    auto orphans = children_of_self();
    if (orphans.empty()) break;
    for (pid_t pid : orphans) {
      ::kill(pid, SIGKILL);
      ::kill(pid, SIGCONT);
      ::waitpid(pid, nullptr, 0);
    }
  }
  remove_host_objects();
  m_host_lock.reset();
  host_lock_flag().store(false);
}

bool World::made_here(const std::string& shm_entry) const {
  if (m_isolation != Isolation::none) return true;
  return !std::binary_search(m_host_shm_before.begin(), m_host_shm_before.end(), shm_entry);
}

// What the world made on the host, and only that: objects of its programs'
// user that were not there when it began — the lab's POSIX names, new
// objects in /dev/shm (not hidden: a dot-file is another program's), and
// the System V objects whose keys ftok made from the world's files (any
// project id). An object of another user, even by the lab's name, is kept.
void World::remove_host_objects() noexcept {
  const uid_t uid = program_uid();
  auto owned = [&](const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && st.st_uid == uid;
  };
  for (const auto& name : m_shm_names) {
    const std::string bare = bare_name(name);
    if (!bare.empty() && made_here(bare) && owned(fs::path("/dev/shm") / bare)) ::shm_unlink(name.c_str());
  }
  for (const auto& name : m_mq_names) {
    mqd_t q = ::mq_open(name.c_str(), O_RDONLY | O_NONBLOCK);  // its owner, where /dev/mqueue is not mounted
    if (q == static_cast<mqd_t>(-1)) continue;
    struct stat st {};
    const bool ours = ::fstat(q, &st) == 0 && st.st_uid == uid;
    ::mq_close(q);
    if (ours) ::mq_unlink(name.c_str());
  }
  for (const auto& name : host_shm_entries()) {
    if (name[0] != '.' && made_here(name) && owned(fs::path("/dev/shm") / name)) ::shm_unlink(name.c_str());
  }
  std::vector<long> file_keys;
  for (const auto& name : m_files) {
    struct stat st {};
    if (::stat((m_workdir_inside / name).c_str(), &st) == 0) file_keys.push_back(ftok_bits(st));
  }
  if (file_keys.empty()) return;
  for (const SysvObject& o : sysv_objects()) {
    if (o.uid != static_cast<long>(uid) || std::find(file_keys.begin(), file_keys.end(), o.key & 0xffffff) == file_keys.end())
      continue;
    if (o.kind == "shm") ::shmctl(o.id, IPC_RMID, nullptr);
    else if (o.kind == "msg") ::msgctl(o.id, IPC_RMID, nullptr);
    else ::semctl(o.id, 0, IPC_RMID);
  }
}

}  // namespace labgrade
