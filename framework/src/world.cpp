#include "labgrade/world.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include <fmt/format.h>

#include "labgrade/deadlock_watch.hpp"
#include "labgrade/error.hpp"
#include "labgrade/fault_injection.hpp"
#include "labgrade/machine_lock.hpp"
#include "world_host.hpp"
#include "world_init.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr int k_world_flags = CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS;
constexpr int k_inodes = 65536;  // files in each of a world's tmpfs

void write_file(const std::string& path, const std::string& text) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) throw SyscallError("open", fmt::format("\"{}\", O_WRONLY", path), errno);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw SyscallError("write", fmt::format("\"{}\", \"{}\"", path, text), errno);
  }
}

std::once_flag g_detect_once;
Isolation g_detected = Isolation::none;
std::string g_fallback_reason;

}  // namespace

std::string to_string(Isolation isolation) {
  switch (isolation) {
    case Isolation::namespaces: return "namespaces";
    case Isolation::user_namespaces: return "user namespaces";
    case Isolation::none: return "off";
  }
  return "?";
}

Isolation detect_isolation() {
  std::call_once(g_detect_once, [] {
    const char* forced = std::getenv("LABGRADE_ISOLATION");
    if (forced != nullptr && std::string(forced) == "off") {
      g_detected = Isolation::none;
      g_fallback_reason = "LABGRADE_ISOLATION=off";
      return;
    }
    g_detected = ::geteuid() == 0 ? Isolation::namespaces : Isolation::user_namespaces;
    try {
      World probe(WorldOptions{.shm_mb = 1}, g_detected);
    } catch (const std::exception& e) {
      g_fallback_reason = e.what();
      g_detected = Isolation::none;
    }
  });
  return g_detected;
}

void adopt_isolation(Isolation isolation, const std::string& fallback_reason) {
  std::call_once(g_detect_once, [&] {
    g_detected = isolation;
    g_fallback_reason = fallback_reason;
  });
}

std::string isolation_fallback_reason() {
  detect_isolation();
  return g_fallback_reason;
}

World::World(const WorldOptions& options) : World(options, detect_isolation()) {}

// The world's set-up as a list of steps: the locks it waits for → its cgroup
// → its user → (no namespaces: the host, one world at a time) or its init.
World::World(const WorldOptions& options, Isolation isolation)
    : m_isolation(isolation), m_workdir_bind(options.workdir_bind), m_shm_names(options.shm_names), m_mq_names(options.mq_names),
      m_files(options.files), m_shm_mb(options.shm_mb), m_workdir_mb(options.workdir_mb),
      m_spinning_is_waiting(options.spinning_is_waiting), m_cores(options.cores) {
  const auto asked = std::chrono::steady_clock::now();
  // Taken first, before the host (isolation off): always in this order.
  if (options.cores_to_itself) m_cores_lock = machine_lock("labgrade-cores-to-itself");
  if (options.world_limits && cgroup_support().version != CgroupVersion::none) {
    m_cgroup = std::make_shared<WorldCgroup>(cgroup_support(), *options.world_limits);
  }
  m_user = SandboxUser::take();
  if (m_isolation == Isolation::none) {
    if (options.rpcbind) throw GraderError("a world with its own rpcbind needs namespaces (a network of its own)");
    begin_on_host(options, asked);
    return;
  }
  m_waited = std::chrono::steady_clock::now() - asked;
  m_workdir_inside = detail::k_world_workdir;
  start_init(options);
  try {
    make_files(options.files);
    if (options.rpcbind) start_rpcbind();
  } catch (...) {
    tear_down();
    throw;
  }
}

// The lab's empty files (such as the SYSUOS that ftok needs), in the world's
// working directory, its programs' own.
void World::make_files(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const fs::path path = workdir_from_outside() / name;
    std::ofstream touch(path);
    if (!touch) throw SyscallError("open", fmt::format("\"{}\", O_CREAT", path.string()), errno);
    give_to_programs(path);
  }
}

void World::give_to_programs(const fs::path& host_path) const {
  if (m_user.run_as().switches() && ::chown(host_path.c_str(), m_user.uid(), m_user.gid()) != 0)
    throw SyscallError("chown", fmt::format("\"{}\", {}", host_path.string(), m_user.uid()), errno);
}

uid_t World::program_uid() const noexcept {
  if (m_isolation == Isolation::user_namespaces) return SandboxUser::k_uid_in_user_namespace;
  return m_user.uid();
}

fs::path World::workdir_from_outside() const {
  if (m_isolation == Isolation::none) return m_workdir_inside;
  return fs::path(fmt::format("/proc/{}/root", m_init_pid)) / m_workdir_inside.relative_path();
}

// clone into new namespaces → (user ns: id maps) → the init builds the world → ready.
void World::start_init(const WorldOptions& options) {
  const bool user_ns = m_isolation == Isolation::user_namespaces;
  const bool as_root = m_user.run_as().switches();
  Pipe control = Pipe::create(), status = Pipe::create(), sync = Pipe::create();

  detail::InitPlan plan;
  plan.control_fd = control.read.get();
  plan.status_fd = status.write.get();
  plan.sync_fd = user_ns ? sync.read.get() : -1;
  // The root is mounted over the init's view of /sys, a folder every Linux
  // has and nothing of the world comes from (its mount namespace is private:
  // the host never sees it), then becomes "/". No folder of the host is made
  // for it: removing one a world was mounted on waits for an RCU grace
  // period (0.1 ms a world).
  plan.root = "/sys";
  plan.system = &detail::system_folders();
  detail::add_etc(plan, {program_uid(), user_ns ? SandboxUser::k_uid_in_user_namespace : m_user.gid()}, options.rpcbind);
  const std::string owner = as_root ? fmt::format(",uid={},gid={}", m_user.uid(), m_user.gid()) : "";
  if (options.rpcbind) {
    plan.low_ports = true;
    plan.run_options = fmt::format("size=1m,nr_inodes=64,mode=0755{}", owner);
  }
  // A cap on files too: an empty file costs no byte but an inode of the kernel's memory.
  plan.shm_options = fmt::format("size={}m,nr_inodes={},mode=1777", options.shm_mb, k_inodes);
  plan.tmp_options = fmt::format("size={}m,nr_inodes={},mode=1777", options.workdir_mb, k_inodes);
  plan.workdir_options = fmt::format("size={}m,nr_inodes={},mode=0755{}", options.workdir_mb, k_inodes, owner);
  if (!m_workdir_bind.empty()) {
    plan.workdir_bind = m_workdir_bind.string();
    give_to_programs(m_workdir_bind);
  }
  for (const fs::path& hidden : options.hidden) {
    std::error_code ec;
    const fs::path path = fs::weakly_canonical(hidden, ec);
    if (!ec && path.has_relative_path()) plan.masks.push_back(path.relative_path().string());
  }
  plan.fail_shm_mount = injected_fault("mount", EPERM);

  int flags = k_world_flags | (user_ns ? CLONE_NEWUSER : 0);
  // A world with a loopback up makes a namespace of its own (never pooled:
  // its sockets, TIME_WAIT ones too, must not meet the next world's).
  plan.loopback_up = options.loopback || options.rpcbind;
  if (!user_ns && !plan.loopback_up) m_network = QuietNetwork::take();
  if (m_network) {
    flags &= ~CLONE_NEWNET;
    plan.network_fd = m_network.fd();
  }
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  long pid = injected_fault("clone", ENOMEM) ? -1 : ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) {
    throw SyscallError("clone", fmt::format("CLONE_NEWIPC|CLONE_NEWNS|CLONE_NEWPID{}|CLONE_NEWUTS{}", m_network ? "" : "|CLONE_NEWNET",
                                            user_ns ? "|CLONE_NEWUSER" : ""), errno);
  }
  if (pid == 0) detail::init_main(plan);
  m_init_pid = static_cast<pid_t>(pid);
  status.write.reset();
  control.read.reset();
  m_control = std::move(control.write);
  m_replies = std::move(status.read);
  m_init_pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, m_init_pid, 0)));

  try {
    if (!m_init_pidfd) throw SyscallError("pidfd_open", std::to_string(m_init_pid), errno);
    if (user_ns) {
      // Inside, the caller is an ordinary user (not root): its programs hold no capability after execve.
      std::string proc = fmt::format("/proc/{}", m_init_pid);
      write_file(proc + "/setgroups", "deny");
      write_file(proc + "/uid_map", fmt::format("{} {} 1", SandboxUser::k_uid_in_user_namespace, uid));
      write_file(proc + "/gid_map", fmt::format("{} {} 1", SandboxUser::k_uid_in_user_namespace, gid));
      if (::write(sync.write.get(), "g", 1) != 1) throw SyscallError("write", "sync pipe", errno);
    }
    detail::InitStatus reply{};
    ssize_t n = ::read(m_replies.get(), &reply, sizeof reply);
    if (n != sizeof reply) throw GraderError("the world's init died during set-up");
    if (reply.step != 0) throw SyscallError(detail::init_step_name(reply.step), "in the world's init", reply.err);
  } catch (...) {
    tear_down();
    throw;
  }
}

World::Census World::census() const {
  if (m_ended) throw GraderError("World::census after its end");
  if (m_isolation == Isolation::none) {
    // No pid namespace: we are the subreaper every orphan comes back to (one
    // world at a time); our own programs are our children too, and not orphans.
    Census census;
    for (pid_t pid : children_of_self()) {
      bool ours = std::any_of(m_processes.begin(), m_processes.end(), [&](const auto& p) { return p->pid() == pid; });
      if (!ours) ++census.orphans;
    }
    return census;
  }
  // Orphans alive now (the init's children: ours are the grader's), then the
  // ones it reaped: one reaped in between is counted twice, never missed.
  Census census;
  std::ifstream children(fmt::format("/proc/{}/task/{}/children", m_init_pid, m_init_pid));
  pid_t pid;
  while (children >> pid) ++census.orphans;
  detail::InitReport report{};
  if (::write(m_control.get(), "q", 1) != 1) throw SyscallError("write", "the world's control pipe", errno);
  if (::read(m_replies.get(), &report, sizeof report) != sizeof report) {
    throw GraderError("the world's init did not answer");
  }
  census.orphans += static_cast<int>(report.orphans_reaped);
  census.last_pid = report.last_pid;
  return census;
}

fs::path World::shm_dir() const {
  if (m_isolation == Isolation::none) return "/dev/shm";
  return fs::path(fmt::format("/proc/{}/root/dev/shm", m_init_pid));
}

fs::path World::mqueue_dir() const {
  if (m_isolation == Isolation::none) return "/dev/mqueue";
  return fs::path(fmt::format("/proc/{}/root/dev/mqueue", m_init_pid));
}

int World::namespace_flags() const noexcept {
  if (m_isolation == Isolation::none) return 0;
  return k_world_flags | (m_isolation == Isolation::user_namespaces ? CLONE_NEWUSER : 0);
}

std::shared_ptr<Process> World::spawn(SpawnOptions options) {
  return launch(std::move(options), SeccompFilter::for_programs());
}

std::shared_ptr<Process> World::launch(SpawnOptions options, const SeccompFilter& filter) {
  if (m_ended) throw GraderError("World::spawn after its end");
  if (options.cwd.empty()) options.cwd = workdir();
  // A small fixed environment (nothing of the grader's), which the caller's entries override.
  std::vector<std::string> env = options.env;
  for (std::string entry : std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "HOME=" + workdir().string(),
                            "TMPDIR=" + workdir().string()}) {
    const std::string name = entry.substr(0, entry.find('=') + 1);
    if (std::none_of(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name, 0) == 0; }))
      env.push_back(std::move(entry));
  }
  options.env = std::move(env);
  options.exec_by_descriptor = true;  // its binary is not inside the world (or not reachable by its user)
  options.run_as = m_user.run_as();
  options.awaits = m_awaits;
  if (m_isolation != Isolation::none) {
    options.join_pidfd = m_init_pidfd.get();
    options.join_flags = namespace_flags();
    // A world that can never move again ends its programs at once (a forgotten close of a pipe's end).
    auto watch = std::make_shared<DeadlockWatch>(m_init_pid, m_awaits, m_spinning_is_waiting, m_services);
    options.deadlock_check = [watch] { return watch->look(); };
    options.signal_guard.emplace(fmt::format("/proc/{}/root/proc", m_init_pid));
    options.seccomp = &filter;
  } else {
    prepare_host_spawn(options);
  }
  if (m_cgroup) options.cgroup_join_fds = m_cgroup->join_fds();
  options.cores = m_cores;
  auto process = Process::spawn(options);
  m_processes.push_back(process);
  return process;
}

// The end: tell the init to end the world (it kills every process in the
// namespace) → kill and reap our own programs (the init's exit waits for them).
void World::end() noexcept {
  if (m_ended) return;
  m_ended = true;
  m_control.reset();
  for (auto& process : m_processes) process->kill();
}

// Teardown as a list of steps: the end → reap the init (its exit takes the
// namespaces with it) → let the network go. Without isolation: kill every
// daemon that came back to us, then remove what the world made.
void World::tear_down() noexcept {
  if (m_torn_down) return;
  end();
  m_torn_down = true;
  if (m_init_pid > 0) {
    int status = 0;
    while (::waitpid(m_init_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_init_pid = -1;
  }
  m_network = QuietNetwork{};  // every process of the world has ended: the next world may have it
  if (m_isolation == Isolation::none) end_on_host();
  m_cores_lock.reset();
  // Anything that escaped both (it cannot, in a pid namespace) is still in the cgroup.
  if (m_cgroup) m_cgroup->kill_all();
  m_processes.clear();
}

WorldLimitsProbe World::limits_probe() const {
  if (m_isolation == Isolation::none) return WorldLimitsProbe{m_cgroup, {}, 0, {}, 0, m_host_usage};
  return WorldLimitsProbe{m_cgroup, shm_dir(), m_shm_mb, workdir_from_outside(), m_workdir_mb};
}

std::optional<std::string> WorldLimitsProbe::hit() const {
  std::optional<std::string> text = cgroup ? cgroup->limit_hit() : std::nullopt;
  auto note_if_full = [&](const fs::path& dir, const std::string& what, long mb) {
    struct statvfs fs {};
    if (dir.empty() || ::statvfs(dir.c_str(), &fs) != 0 || fs.f_blocks == 0 || fs.f_bavail > 0) return;
    std::string full = fmt::format("{} is full ({} MiB in a check's world)", what, mb);
    text = text ? *text + "; " + full : full;
  };
  note_if_full(shm_dir, "/dev/shm", shm_mb);
  note_if_full(workdir, "the working directory", workdir_mb);
  if (auto over = host_usage ? host_usage() : std::nullopt) text = text ? *text + "; " + *over : *over;
  return text;
}

World::~World() { tear_down(); }

}  // namespace labgrade
