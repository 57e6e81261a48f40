#include "labgrade/world.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/mman.h>
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "labgrade/deadlock_watch.hpp"
#include "labgrade/error.hpp"
#include "labgrade/fault_injection.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr int k_world_flags = CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS;

// What the init tells the grader when its set-up is done: 0, or the step
// that failed and its errno.
struct InitStatus {
  int step = 0;
  int err = 0;
};

constexpr std::array<const char*, 5> k_devices = {"null", "zero", "full", "random", "urandom"};

// Everything the init needs, prepared before clone (no allocation after it).
struct InitPlan {
  int control_fd = -1;  // read end: EOF ends the world
  int status_fd = -1;   // write end: the InitStatus
  int sync_fd = -1;     // read end: the grader has written the id maps (user ns)
  int network_fd = -1;  // a pooled network namespace to join, or -1 (cloned with CLONE_NEWNET)
  std::string shm_options;
  std::array<std::string, k_devices.size()> device_targets;
  std::string workdir;  // where the world's own working directory (a tmpfs) is mounted
  std::string workdir_options;
  bool fail_shm_mount = false;  // fault injection ("mount"): decided before clone
};

enum InitStep {
  k_init_sync = 1, k_init_network, k_init_private, k_init_dev, k_init_devices, k_init_shm, k_init_mqueue, k_init_proc,
  k_init_workdir, k_init_readonly, k_init_writable
};

const char* init_step_name(int step) {
  switch (step) {
    case k_init_sync: return "waiting for the id maps";
    case k_init_network: return "setns(network namespace)";
    case k_init_private: return "mount(/, MS_REC|MS_PRIVATE)";
    case k_init_dev: return "mount(tmpfs, /dev)";
    case k_init_devices: return "mount(bind, /dev/null...)";
    case k_init_shm: return "mount(tmpfs, /dev/shm)";
    case k_init_mqueue: return "mount(mqueue, /dev/mqueue)";
    case k_init_proc: return "mount(proc, /proc)";
    case k_init_workdir: return "mount(tmpfs, workdir)";
    case k_init_readonly: return "mount_setattr(/, AT_RECURSIVE, MOUNT_ATTR_RDONLY)";
    case k_init_writable: return "mount_setattr(workdir, clear MOUNT_ATTR_RDONLY)";
    default: return "world init";
  }
}

// The init's answer to 'q'.
struct InitReport {
  std::uint32_t orphans_reaped;
  std::int32_t last_pid;  // /proc/sys/kernel/ns_last_pid of the world, -1 if unreadable
};

// The world's ns_last_pid, read by pid 1 itself (the value is per pid namespace
// of the reader). No allocation: we are the init.
std::int32_t read_last_pid() {
  int fd = ::open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[16];
  ssize_t n = ::read(fd, text, sizeof text);
  ::close(fd);
  std::int32_t value = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i) value = value * 10 + (text[i] - '0');
  return n > 0 ? value : -1;
}

[[noreturn]] void init_fail(const InitPlan& plan, int step) {
  InitStatus status{step, errno};
  ssize_t ignored = ::write(plan.status_fd, &status, sizeof status);
  (void)ignored;
  ::_exit(1);
}

// Closes every inherited descriptor but `keep` (the grader's other pipes
// must not stay open in the world: their readers would never see EOF).
void keep_only_fds(std::array<int, 4> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int from = 0;
  for (int fd : keep) {
    if (fd < 0) continue;
    if (static_cast<unsigned int>(fd) > from) ::syscall(SYS_close_range, from, static_cast<unsigned int>(fd) - 1, 0U);
    from = static_cast<unsigned int>(fd) + 1;
  }
  ::syscall(SYS_close_range, from, ~0U, 0U);
}

// "/proc/self/fd/<fd>/<name>" without allocating (we are after clone).
void format_fd_path(char (&out)[64], int fd, const char* name) {
  const char prefix[] = "/proc/self/fd/";
  std::size_t n = 0;
  for (const char* p = prefix; *p != '\0'; ++p) out[n++] = *p;
  char digits[12];
  std::size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + fd % 10);
    fd /= 10;
  } while (fd > 0);
  while (d > 0) out[n++] = digits[--d];
  out[n++] = '/';
  for (const char* p = name; *p != '\0' && n < sizeof out - 1; ++p) out[n++] = *p;
  out[n] = '\0';
}

// pid 1 of the world. Only async-signal-safe calls from here on.
[[noreturn]] void init_main(const InitPlan& plan) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  keep_only_fds({plan.control_fd, plan.status_fd, plan.sync_fd, plan.network_fd});
  if (plan.sync_fd >= 0) {
    char byte;
    if (::read(plan.sync_fd, &byte, 1) != 1) init_fail(plan, k_init_sync);
  }
  if (plan.network_fd >= 0) {
    if (::setns(plan.network_fd, CLONE_NEWNET) != 0) init_fail(plan, k_init_network);
    ::close(plan.network_fd);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) init_fail(plan, k_init_private);
  // A read-only view of the host: the working directory (a size-capped tmpfs
  // of the world's, made writable again: what programs write dies with the
  // world) and the world's own /dev, /dev/shm, /dev/mqueue and /proc below
  // are the only places a program can write.
  if (::mount("tmpfs", plan.workdir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, plan.workdir_options.c_str()) != 0) {
    init_fail(plan, k_init_workdir);
  }
  struct mount_attr readonly {};
  readonly.attr_set = MOUNT_ATTR_RDONLY;
  if (::mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &readonly, sizeof readonly) != 0) init_fail(plan, k_init_readonly);
  struct mount_attr writable {};
  writable.attr_clr = MOUNT_ATTR_RDONLY;
  if (::mount_setattr(AT_FDCWD, plan.workdir.c_str(), 0, &writable, sizeof writable) != 0) {
    init_fail(plan, k_init_writable);
  }
  // The host's /dev as this namespace sees it (a bind source must be a mount
  // of the caller's own namespace), then a private tmpfs over it.
  int old_dev = ::open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (old_dev < 0) init_fail(plan, k_init_dev);
  if (::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,mode=755") != 0) {
    init_fail(plan, k_init_dev);
  }
  for (std::size_t i = 0; i < k_devices.size(); ++i) {
    char source[64];
    format_fd_path(source, old_dev, k_devices[i]);
    int fd = ::open(plan.device_targets[i].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) ::close(fd);
    if (::mount(source, plan.device_targets[i].c_str(), nullptr, MS_BIND, nullptr) != 0) {
      init_fail(plan, k_init_devices);
    }
  }
  ::close(old_dev);
  ::symlink("/proc/self/fd", "/dev/fd");
  ::symlink("/proc/self/fd/0", "/dev/stdin");
  ::symlink("/proc/self/fd/1", "/dev/stdout");
  ::symlink("/proc/self/fd/2", "/dev/stderr");
  ::mkdir("/dev/shm", 01777);
  if (plan.fail_shm_mount) {
    errno = EPERM;
    init_fail(plan, k_init_shm);
  }
  if (::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, plan.shm_options.c_str()) != 0) {
    init_fail(plan, k_init_shm);
  }
  ::mkdir("/dev/mqueue", 01777);
  if (::mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    init_fail(plan, k_init_mqueue);
  }
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    init_fail(plan, k_init_proc);
  }

  sigset_t chld;
  ::sigemptyset(&chld);
  ::sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sfd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

  InitStatus ok{};
  if (::write(plan.status_fd, &ok, sizeof ok) != sizeof ok) ::_exit(1);

  // Reap the orphans the world's programs leave, and answer the grader's
  // questions ('q': how many orphans so far, the last pid given), until it lets go.
  std::uint32_t orphans_reaped = 0;
  for (;;) {
    pollfd fds[2] = {{plan.control_fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(fds, sfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) break;
    if (sfd >= 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo info;
      while (::read(sfd, &info, sizeof info) > 0) {
      }
      while (::waitpid(-1, nullptr, WNOHANG) > 0) ++orphans_reaped;
    }
    if (fds[0].revents != 0) {
      char byte;
      if (::read(plan.control_fd, &byte, 1) <= 0) break;
      if (byte == 'q') {
        while (::waitpid(-1, nullptr, WNOHANG) > 0) ++orphans_reaped;
        InitReport report{orphans_reaped, read_last_pid()};
        if (::write(plan.status_fd, &report, sizeof report) != sizeof report) break;
      }
    }
  }
  ::kill(-1, SIGKILL);  // SIGKILL ends stopped processes too; SIGCONT first
  ::kill(-1, SIGCONT);  // would let them run (and exit) before it arrives
  ::_exit(0);
}

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

void become_subreaper_once() {
  static std::once_flag once;
  std::call_once(once, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1); });
}

// Children of this process that no Process handle owns: daemons of a world
// without isolation, reparented to us because we are a subreaper.
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

// A machine-wide lock that leaves no file behind and dies with its holder:
// an abstract unix socket name can be bound by one socket at a time.
UniqueFd lock_machine(const std::string& name) {
  UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) throw SyscallError("socket", "AF_UNIX, SOCK_STREAM", errno);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  while (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
    if (errno != EADDRINUSE) throw SyscallError("bind", "@" + name, errno);
    ::poll(nullptr, 0, 5);  // another labgrade holds it: wait for its world to end
  }
  return fd;
}

UniqueFd lock_host() {
  if (host_lock_flag().exchange(true)) {
    throw GraderError("isolation is off and this process already has a world: one world at a time");
  }
  return lock_machine("labgrade-isolation-off");
}

void release_host_lock() { host_lock_flag().store(false); }

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

World::World(const WorldOptions& options, Isolation isolation)
    : m_isolation(isolation), m_workdir("labgrade-world-", options.scratch_parent),
      m_shm_names(options.shm_names), m_mq_names(options.mq_names), m_files(options.files), m_shm_mb(options.shm_mb),
      m_workdir_mb(options.workdir_mb) {
  const auto asked = std::chrono::steady_clock::now();
  // Taken first, before the host (isolation off): always in this order.
  if (options.cores_to_itself) m_cores_lock = lock_machine("labgrade-cores-to-itself");
  if (options.world_limits && cgroup_support().version != CgroupVersion::none) {
    m_cgroup = std::make_shared<WorldCgroup>(cgroup_support(), *options.world_limits);
  }
  if (m_isolation == Isolation::none) {
    make_files(options.files);
    // One world at a time on the host: fixed names would collide.
    m_host_lock = lock_host();
    m_waited = std::chrono::steady_clock::now() - asked;
    become_subreaper_once();
    remove_host_objects(false);  // left by an earlier run that was killed
    m_host_shm_before = host_shm_entries();
    return;
  }
  m_waited = std::chrono::steady_clock::now() - asked;
  start_init(options);
  try {
    make_files(options.files);
  } catch (...) {
    tear_down();
    throw;
  }
}

// The lab's empty files (such as the SYSUOS that ftok needs), in the working
// directory as the world sees it.
void World::make_files(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const fs::path path = workdir_from_outside() / name;
    std::ofstream touch(path);
    if (!touch) throw SyscallError("open", fmt::format("\"{}\", O_CREAT", path.string()), errno);
  }
}

fs::path World::workdir_from_outside() const {
  if (m_isolation == Isolation::none) return m_workdir.path();
  return fs::path(fmt::format("/proc/{}/root", m_init_pid)) / m_workdir.path().relative_path();
}

// The world's set-up as a list of steps, in the order the kernel needs them:
// clone into new namespaces → (user ns: id maps) → the init's mounts → ready.
void World::start_init(const WorldOptions& options) {
  const bool user_ns = m_isolation == Isolation::user_namespaces;
  Pipe control = Pipe::create(), status = Pipe::create(), sync = Pipe::create();

  InitPlan plan;
  plan.control_fd = control.read.get();
  plan.status_fd = status.write.get();
  plan.sync_fd = user_ns ? sync.read.get() : -1;
  plan.shm_options = fmt::format("size={}m,mode=1777", options.shm_mb);
  plan.workdir = m_workdir.path().string();
  plan.workdir_options = fmt::format("size={}m,mode=0755", options.workdir_mb);
  plan.fail_shm_mount = injected_fault("mount", EPERM);
  for (std::size_t i = 0; i < k_devices.size(); ++i) {
    plan.device_targets[i] = fmt::format("/dev/{}", k_devices[i]);
  }

  int flags = k_world_flags | (user_ns ? CLONE_NEWUSER : 0);
  if (!user_ns) m_network = QuietNetwork::take();
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
  if (pid == 0) init_main(plan);
  m_init_pid = static_cast<pid_t>(pid);
  status.write.reset();
  control.read.reset();
  m_control = std::move(control.write);
  m_replies = std::move(status.read);
  m_init_pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, m_init_pid, 0)));

  try {
    if (!m_init_pidfd) throw SyscallError("pidfd_open", std::to_string(m_init_pid), errno);
    if (user_ns) {
      std::string proc = fmt::format("/proc/{}", m_init_pid);
      write_file(proc + "/setgroups", "deny");
      write_file(proc + "/uid_map", fmt::format("0 {} 1", uid));
      write_file(proc + "/gid_map", fmt::format("0 {} 1", gid));
      if (::write(sync.write.get(), "g", 1) != 1) throw SyscallError("write", "sync pipe", errno);
    }
    InitStatus reply{};
    ssize_t n = ::read(m_replies.get(), &reply, sizeof reply);
    if (n != sizeof reply) throw GraderError("the world's init died during set-up");
    if (reply.step != 0) throw SyscallError(init_step_name(reply.step), "in the world's init", reply.err);
  } catch (...) {
    tear_down();
    throw;
  }
}

World::Census World::census() const {
  if (m_torn_down) throw GraderError("World::census after tear_down");
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
  InitReport report{};
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
  if (m_torn_down) throw GraderError("World::spawn after tear_down");
  if (options.cwd.empty()) options.cwd = workdir();
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "HOME=" + workdir().string(),
                                  "TMPDIR=" + workdir().string()};
  env.insert(env.end(), options.env.begin(), options.env.end());
  options.env = std::move(env);
  if (m_isolation != Isolation::none) {
    options.join_pidfd = m_init_pidfd.get();
    options.join_flags = namespace_flags();
    // A world that can never move again ends its programs at once (a forgotten close of a pipe's end).
    auto watch = std::make_shared<DeadlockWatch>(m_init_pid);
    options.deadlock_check = [watch] { return watch->look(); };
  }
  if (m_cgroup) options.cgroup_join_fds = m_cgroup->join_fds();
  options.seccomp = &SeccompFilter::for_programs();
  options.count_forks = m_isolation == Isolation::none;  // no pid namespace to count them
  auto process = Process::spawn(options);
  m_processes.push_back(process);
  return process;
}

// Teardown as a list of steps: tell the init to end the world (it kills
// every process in the namespace) → reap our own programs (the init's exit
// waits for them) → reap the init. Without isolation: kill our programs'
// groups and every daemon that came back to us, then remove the lab's names.
void World::tear_down() noexcept {
  if (m_torn_down) return;
  m_torn_down = true;
  m_control.reset();
  for (auto& process : m_processes) process->kill();
  if (m_init_pid > 0) {
    int status = 0;
    while (::waitpid(m_init_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_init_pid = -1;
  }
  m_network = QuietNetwork{};  // every process of the world has ended: the next world may have it
  if (m_isolation == Isolation::none) {
    // Our own programs are reaped above; what is left are daemons that came back to us.
    for (int round = 0; round < 100; ++round) {
      auto orphans = children_of_self();
      if (orphans.empty()) break;
      for (pid_t pid : orphans) {
        ::kill(pid, SIGKILL);
        ::kill(pid, SIGCONT);
        ::waitpid(pid, nullptr, 0);
      }
    }
    remove_host_objects(true);
    m_host_lock.reset();
    release_host_lock();
  }
  m_cores_lock.reset();
  // Anything that escaped both (it cannot, in a pid namespace) is still in the cgroup.
  if (m_cgroup) m_cgroup->kill_all();
  m_processes.clear();
}

bool World::made_here(const std::string& shm_entry) const {
  if (m_isolation != Isolation::none) return true;
  return !std::binary_search(m_host_shm_before.begin(), m_host_shm_before.end(), shm_entry);
}

// Without isolation the world's IPC objects are the host's: the lab's POSIX
// names, the objects its programs made in /dev/shm (new since the world
// began, ours, not hidden: a dot-file is another program's), and the System V objects whose keys ftok made from the world's files
// (any project id: the key's low 24 bits are the file's device and inode).
void World::remove_host_objects(bool at_teardown) noexcept {
  for (const auto& name : m_shm_names) ::shm_unlink(name.c_str());
  for (const auto& name : m_mq_names) ::mq_unlink(name.c_str());
  if (at_teardown) {
    for (const auto& name : host_shm_entries()) {
      struct stat st {};
      if (name[0] == '.' || !made_here(name) || ::stat(("/dev/shm/" + name).c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
      ::shm_unlink(name.c_str());
    }
  }
  std::vector<long> file_keys;
  for (const auto& name : m_files) {
    struct stat st {};
    if (::stat((m_workdir.path() / name).c_str(), &st) == 0)
      file_keys.push_back(static_cast<long>(((st.st_dev & 0xff) << 16) | (st.st_ino & 0xffff)));
  }
  if (file_keys.empty()) return;
  for (const char* kind : {"shm", "msg", "sem"}) {
    std::ifstream table(fmt::format("/proc/sysvipc/{}", kind));
    std::string header;
    std::getline(table, header);
    for (std::string line; std::getline(table, line);) {
      std::istringstream fields(line);
      long key = 0;
      int id = -1;
      if (!(fields >> key >> id)) continue;
      if (std::find(file_keys.begin(), file_keys.end(), key & 0xffffff) == file_keys.end()) continue;
      if (kind[1] == 'h') ::shmctl(id, IPC_RMID, nullptr);
      else if (kind[1] == 's') ::msgctl(id, IPC_RMID, nullptr);
      else ::semctl(id, 0, IPC_RMID);
    }
  }
}

WorldLimitsProbe World::limits_probe() const {
  if (m_isolation == Isolation::none) return WorldLimitsProbe{m_cgroup, {}, 0, {}, 0};
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
  return text;
}

World::~World() { tear_down(); }

}  // namespace labgrade
