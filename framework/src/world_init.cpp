#include "world_init.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

namespace labgrade::detail {

namespace {

enum InitStep {
  k_init_sync = 1, k_init_network, k_init_loopback, k_init_private, k_init_root, k_init_system, k_init_etc, k_init_dev,
  k_init_devices, k_init_shm, k_init_mqueue, k_init_proc, k_init_tmp, k_init_workdir, k_init_seal, k_init_pivot,
  k_init_mask, k_init_low_ports, k_init_run
};

constexpr std::array<const char*, 5> k_devices = {"null", "zero", "full", "random", "urandom"};

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

// "<a>/<b>" into a stack buffer: we are after clone, no allocation.
const char* join(char (&out)[PATH_MAX], const char* a, const char* b) {
  std::size_t n = 0;
  for (const char* p = a; *p != '\0' && n < sizeof out - 2; ++p) out[n++] = *p;
  out[n++] = '/';
  for (const char* p = b; *p != '\0' && n < sizeof out - 1; ++p) out[n++] = *p;
  out[n] = '\0';
  return out;
}

bool write_whole(const char* path, const std::string& text, mode_t mode) {
  int fd = ::open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool touch(const char* path) {
  int fd = ::open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool set_attributes(const char* path, std::uint64_t set, bool recursive) {
  struct mount_attr attr {};
  attr.attr_set = set;
  // The system call itself: glibc's wrapper is from 2.36, newer than the 2.35 a kit's program may need.
  return ::syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) == 0;
}

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

// ---- The steps, relative to the new root (the init's cwd) -------------------

void wait_for_id_maps(const InitPlan& plan) {
  char byte;
  if (plan.sync_fd >= 0 && ::read(plan.sync_fd, &byte, 1) != 1) init_fail(plan, k_init_sync);
}

void join_network(const InitPlan& plan) {
  if (plan.network_fd < 0) return;
  if (::setns(plan.network_fd, CLONE_NEWNET) != 0) init_fail(plan, k_init_network);
  ::close(plan.network_fd);
}

// The loopback of the world's own network namespace, up: 127.0.0.1 and ::1
// reach only the world itself (the namespace has no other interface).
void bring_loopback_up(const InitPlan& plan) {
  if (!plan.loopback_up) return;
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &request) != 0) init_fail(plan, k_init_loopback);
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock, SIOCSIFFLAGS, &request) != 0) init_fail(plan, k_init_loopback);
  ::close(sock);
}

// Every port of the world's own loopback may be bound by its user (rpcbind
// listens on 111): the setting is the network namespace's, seen through the
// host's /proc before the world's own is mounted.
void open_low_ports(const InitPlan& plan) {
  if (!plan.low_ports) return;
  if (!write_whole("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0", 0644)) init_fail(plan, k_init_low_ports);
}

// A tmpfs of the world's own, mounted on the world's (empty) host folder: it
// becomes "/" once everything is in it.
void make_root(const InitPlan& plan) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) init_fail(plan, k_init_private);
  if (::mount("tmpfs", plan.root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0 ||
      ::chdir(plan.root.c_str()) != 0) {
    init_fail(plan, k_init_root);
  }
}

// /usr, /lib*, /bin, /sbin as on the host: bound folders or the same links.
void add_system_folders(const InitPlan& plan) {
  for (const RootEntry& entry : *plan.system) {
    if (entry.is_link) {
      if (::symlink(entry.source.c_str(), entry.name.c_str()) != 0) init_fail(plan, k_init_system);
      continue;
    }
    if (::mkdir(entry.name.c_str(), 0755) != 0 ||
        ::mount(entry.source.c_str(), entry.name.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      init_fail(plan, k_init_system);
    }
  }
}

// labgrade's own folders (the labs, their references) where they lie in a
// system folder (an installed labgrade): an empty, read-only tmpfs over each.
void mask_graders_folders(const InitPlan& plan) {
  for (const std::string& mask : plan.masks) {
    struct stat st {};
    if (::stat(mask.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (::mount("tmpfs", mask.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0") != 0)
      init_fail(plan, k_init_mask);
  }
}

// A minimal /etc: the sandbox user's passwd and group, hosts, the loader's
// cache and the alternatives' links (read-only binds of the host's).
void add_etc(const InitPlan& plan) {
  if (::mkdir("etc", 0755) != 0) init_fail(plan, k_init_etc);
  for (const auto& [name, text] : plan.etc_files) {
    if (!write_whole(name.c_str(), text, 0644)) init_fail(plan, k_init_etc);
  }
  if (!plan.localtime_link.empty() && ::symlink(plan.localtime_link.c_str(), "etc/localtime") != 0) {
    init_fail(plan, k_init_etc);
  }
  char source[PATH_MAX];
  for (const std::string& name : plan.etc_binds) {
    join(source, "", name.c_str());
    struct stat st {};
    if (::stat(source, &st) != 0) continue;
    const bool dir = S_ISDIR(st.st_mode);
    if ((dir ? ::mkdir(name.c_str(), 0755) != 0 : !touch(name.c_str())) ||
        ::mount(source, name.c_str(), nullptr, MS_BIND | (dir ? MS_REC : 0), nullptr) != 0) {
      init_fail(plan, k_init_etc);
    }
  }
}

// A tmpfs /dev with the harmless devices bound from the host's, the usual
// links, a size-capped /dev/shm and a /dev/mqueue of the world's own.
void add_dev(const InitPlan& plan) {
  if (::mkdir("dev", 0755) != 0 || ::mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,mode=755") != 0) {
    init_fail(plan, k_init_dev);
  }
  char source[PATH_MAX], target[PATH_MAX];
  for (const char* device : k_devices) {
    join(source, "/dev", device);
    join(target, "dev", device);
    if (!touch(target) || ::mount(source, target, nullptr, MS_BIND, nullptr) != 0) init_fail(plan, k_init_devices);
  }
  ::symlink("/proc/self/fd", "dev/fd");
  ::symlink("/proc/self/fd/0", "dev/stdin");
  ::symlink("/proc/self/fd/1", "dev/stdout");
  ::symlink("/proc/self/fd/2", "dev/stderr");
  ::mkdir("dev/shm", 01777);
  if (plan.fail_shm_mount) {
    errno = EPERM;
    init_fail(plan, k_init_shm);
  }
  if (::mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, plan.shm_options.c_str()) != 0) {
    init_fail(plan, k_init_shm);
  }
  ::mkdir("dev/mqueue", 01777);
  if (::mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    init_fail(plan, k_init_mqueue);
  }
}

void add_proc(const InitPlan& plan) {
  if (::mkdir("proc", 0555) != 0 || ::mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    init_fail(plan, k_init_proc);
  }
}

// /run, a small tmpfs of the programs' user, for a world with services (rpcbind's socket and lock).
void add_run(const InitPlan& plan) {
  if (plan.run_options.empty()) return;
  if (::mkdir("run", 0755) != 0 || ::mount("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, plan.run_options.c_str()) != 0) {
    init_fail(plan, k_init_run);
  }
}

void add_tmp(const InitPlan& plan) {
  if (::mkdir("tmp", 01777) != 0 || ::mount("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, plan.tmp_options.c_str()) != 0) {
    init_fail(plan, k_init_tmp);
  }
}

// The programs' working directory: a size-capped tmpfs (what they write dies
// with the world), or the compiler's folder of the host, bound.
void add_workdir(const InitPlan& plan) {
  const char* workdir = k_world_workdir + 1;
  if (::mkdir(workdir, 0755) != 0) init_fail(plan, k_init_workdir);
  const bool ok = plan.workdir_bind.empty()
                      ? ::mount("tmpfs", workdir, "tmpfs", MS_NOSUID | MS_NODEV, plan.workdir_options.c_str()) == 0
                      : ::mount(plan.workdir_bind.c_str(), workdir, nullptr, MS_BIND, nullptr) == 0 &&
                            set_attributes(workdir, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
  if (!ok) init_fail(plan, k_init_workdir);
}

// Everything bound from the host, and the root itself, read-only: only the
// working directory, /tmp, /dev/shm and /dev/mqueue can be written.
void seal(const InitPlan& plan) {
  constexpr std::uint64_t k_sealed = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  for (const RootEntry& entry : *plan.system) {
    if (!entry.is_link && !set_attributes(entry.name.c_str(), k_sealed, true)) init_fail(plan, k_init_seal);
  }
  for (const std::string& name : plan.etc_binds) {
    struct stat st {};
    if (::lstat(name.c_str(), &st) == 0 && !set_attributes(name.c_str(), k_sealed, true)) init_fail(plan, k_init_seal);
  }
  if (!set_attributes(".", k_sealed, false)) init_fail(plan, k_init_seal);
}

// The new root becomes "/", and the host's tree is let go of.
void pivot(const InitPlan& plan) {
  if (::syscall(SYS_pivot_root, ".", ".") != 0 || ::umount2(".", MNT_DETACH) != 0 || ::chdir("/") != 0) {
    init_fail(plan, k_init_pivot);
  }
}

// Reaps the orphans the world's programs leave, and answers the grader's
// questions ('q': how many orphans so far, the last pid given), until it lets go.
void serve(const InitPlan& plan) {
  sigset_t chld;
  ::sigemptyset(&chld);
  ::sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sfd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

  InitStatus ok{};
  if (::write(plan.status_fd, &ok, sizeof ok) != sizeof ok) ::_exit(1);

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
}

}  // namespace

const char* init_step_name(int step) {
  switch (step) {
    case k_init_sync: return "waiting for the id maps";
    case k_init_network: return "setns(network namespace)";
    case k_init_loopback: return "ioctl(SIOCSIFFLAGS, lo, IFF_UP)";
    case k_init_private: return "mount(/, MS_REC|MS_PRIVATE)";
    case k_init_root: return "mount(tmpfs, the world's root)";
    case k_init_system: return "mount(bind, /usr...) (the system's folders)";
    case k_init_etc: return "making the world's /etc";
    case k_init_dev: return "mount(tmpfs, /dev)";
    case k_init_devices: return "mount(bind, /dev/null...)";
    case k_init_shm: return "mount(tmpfs, /dev/shm)";
    case k_init_mqueue: return "mount(mqueue, /dev/mqueue)";
    case k_init_proc: return "mount(proc, /proc)";
    case k_init_tmp: return "mount(tmpfs, /tmp)";
    case k_init_workdir: return "mount(the working directory)";
    case k_init_seal: return "mount_setattr(MOUNT_ATTR_RDONLY) (sealing the world's root)";
    case k_init_pivot: return "pivot_root(the world's root)";
    case k_init_mask: return "mount(tmpfs, over labgrade's own folders)";
    case k_init_low_ports: return "writing /proc/sys/net/ipv4/ip_unprivileged_port_start (the world's network)";
    case k_init_run: return "mount(tmpfs, /run)";
    default: return "world init";
  }
}

[[noreturn]] void init_main(const InitPlan& plan) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  keep_only_fds({plan.control_fd, plan.status_fd, plan.sync_fd, plan.network_fd});
  wait_for_id_maps(plan);
  join_network(plan);
  bring_loopback_up(plan);
  open_low_ports(plan);
  make_root(plan);
  add_system_folders(plan);
  mask_graders_folders(plan);
  add_etc(plan);
  add_dev(plan);
  add_proc(plan);
  add_tmp(plan);
  add_run(plan);
  add_workdir(plan);
  seal(plan);
  pivot(plan);
  serve(plan);
  ::kill(-1, SIGKILL);  // SIGKILL ends stopped processes too; SIGCONT first
  ::kill(-1, SIGCONT);  // would let them run (and exit) before it arrives
  ::_exit(0);
}

const std::vector<RootEntry>& system_folders() {
  static const std::vector<RootEntry> entries = [] {
    std::vector<RootEntry> out;
    for (const char* name : {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
      const std::string host = std::string("/") + name;
      struct stat st {};
      if (::lstat(host.c_str(), &st) != 0) continue;
      if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = ::readlink(host.c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        out.push_back(RootEntry{true, name, std::string(target, static_cast<std::size_t>(n))});
      } else if (S_ISDIR(st.st_mode)) {
        out.push_back(RootEntry{false, name, host});
      }
    }
    return out;
  }();
  return entries;
}

void add_etc(InitPlan& plan, WorldIds ids, bool rpc) {
  const std::string home = k_world_workdir;
  // rpcbind drops to its own user, _rpc: here the programs' user itself.
  const std::string rpc_user = rpc ? fmt::format("_rpc:x:{}:{}:rpcbind:/run:/usr/sbin/nologin\n", ids.uid, ids.gid) : "";
  plan.etc_files = {
      {"etc/passwd", fmt::format("root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                 "student:x:{}:{}:labgrade student:{}:/bin/sh\n"
                                 "{}nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                                 ids.uid, ids.gid, home, rpc_user)},
      {"etc/group", fmt::format("root:x:0:\nstudent:x:{}:\nnogroup:x:65534:\n", ids.gid)},
      {"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
      {"etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\nservices: files\nrpc: files\n"},
  };
  if (rpc) {
    // What libtirpc and rpcbind read: the transports (as Debian's libtirpc-common
    // ships them), the matchmaker's port and the RPC programs' names.
    plan.etc_files.emplace_back("etc/netconfig",
                                "udp        tpi_clts      v     inet     udp     -       -\n"
                                "tcp        tpi_cots_ord  v     inet     tcp     -       -\n"
                                "udp6       tpi_clts      v     inet6    udp     -       -\n"
                                "tcp6       tpi_cots_ord  v     inet6    tcp     -       -\n"
                                "rawip      tpi_raw       -     inet      -      -       -\n"
                                "local      tpi_cots_ord  -     loopback  -      -       -\n"
                                "unix       tpi_cots_ord  -     loopback  -      -       -\n");
    plan.etc_files.emplace_back("etc/services", "sunrpc\t\t111/tcp\t\tportmapper\nsunrpc\t\t111/udp\t\tportmapper\n");
    plan.etc_files.emplace_back("etc/rpc", "portmapper\t100000\tportmap sunrpc rpcbind\n");
  }
  plan.etc_binds = {"etc/ld.so.cache", "etc/alternatives"};
  static const std::string localtime = [] {
    char target[PATH_MAX];
    ssize_t n = ::readlink("/etc/localtime", target, sizeof target - 1);
    return n > 0 && target[0] == '/' ? std::string(target, static_cast<std::size_t>(n)) : std::string();
  }();
  plan.localtime_link = localtime;
}

}  // namespace labgrade::detail
