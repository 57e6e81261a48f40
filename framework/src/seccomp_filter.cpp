#include "labgrade/seccomp_filter.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

const std::vector<std::string>& SeccompFilter::refused() {
  static const std::vector<std::string> calls = {
      // other processes' memory and the kernel itself
      "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "bpf", "perf_event_open", "userfaultfd",
      "pidfd_getfd", "process_madvise", "io_uring_setup", "io_uring_enter", "io_uring_register",
      "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "syslog",
      "iopl", "ioperm", "acct", "swapon", "swapoff", "quotactl", "lookup_dcookie",
      // keys, clocks, and leaving the world (mounts and namespaces)
      "keyctl", "add_key", "request_key", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
      "mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "fsopen", "fsconfig", "fsmount",
      "fspick", "move_mount", "open_tree", "mount_setattr", "open_by_handle_at", "name_to_handle_at", "vhangup"};
  return calls;
}

namespace {

using Context = std::unique_ptr<void, void (*)(scmp_filter_ctx)>;

// The BPF of a libseccomp filter, exported once (building it after fork would allocate).
std::vector<sock_filter> exported(const Context& ctx) {
  UniqueFd fd{::memfd_create("labgrade-seccomp", MFD_CLOEXEC)};
  if (!fd) throw SyscallError("memfd_create", "\"labgrade-seccomp\", MFD_CLOEXEC", errno);
  if (int rc = seccomp_export_bpf(ctx.get(), fd.get()); rc != 0) throw SyscallError("seccomp_export_bpf", "memfd", -rc);
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (size <= 0 || ::pread(fd.get(), program.data(), static_cast<std::size_t>(size), 0) != size)
    throw SyscallError("pread", fmt::format("the exported seccomp filter, {} bytes", size), errno);
  return program;
}

void add_rule(const Context& ctx, std::uint32_t action, const char* call, const std::vector<scmp_arg_cmp>& args = {}) {
  int nr = seccomp_syscall_resolve_name(call);
  if (nr == __NR_SCMP_ERROR) return;  // not a call of this architecture
  if (int rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned>(args.size()), args.data()); rc != 0)
    throw SyscallError("seccomp_rule_add", fmt::format("{:#x}, {}", action, call), -rc);
}

// One filter for all the rules a program gets: the kernel checks and
// compiles each filter installed (about 70 us for the programs' rules alone,
// 150 us as a linear list), so a program installs one, a binary tree of the
// system call numbers.
SeccompFilter::Program build(const SeccompFilter::Rules& rules) {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
  if (!ctx) throw GraderError("seccomp_init(SCMP_ACT_ALLOW) failed");
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc != 0)
    throw SyscallError("seccomp_attr_set", "SCMP_FLTATR_CTL_OPTIMIZE, 2 (a binary tree)", -rc);
  if (rules.refuse) {
    // A call of another architecture (int 0x80 on x86-64) would bypass the rules: refused too.
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0)
      throw SyscallError("seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS", -rc);
    for (const std::string& name : SeccompFilter::refused()) add_rule(ctx, SCMP_ACT_KILL_PROCESS, name.c_str());
  }
  // On the host (no network namespace of its own): no Internet, raw or netlink socket.
  if (rules.host) {
    for (int family : SeccompFilter::refused_socket_families())
      add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))});
  }
  // A service that insists on root and then drops to its own user: geteuid
  // answers 0 and the drop succeeds without doing anything.
  if (rules.service) {
    for (const char* call : {"geteuid", "setuid", "setgid", "setgroups"}) add_rule(ctx, SCMP_ACT_ERRNO(0), call);
  }
  if (rules.watch != SeccompFilter::Watch::nothing) {
    for (const char* call : {"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"})
      add_rule(ctx, SCMP_ACT_NOTIFY, call);
  }
  if (rules.watch == SeccompFilter::Watch::signals_and_forks) {
    add_rule(ctx, SCMP_ACT_NOTIFY, "fork");
    add_rule(ctx, SCMP_ACT_NOTIFY, "vfork");
    add_rule(ctx, SCMP_ACT_NOTIFY, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)});
    add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3");
  }
  return exported(ctx);
}

}  // namespace

const SeccompFilter& SeccompFilter::with(const Rules& rules) {
  // Built once each, before any child (building allocates); never freed.
  static std::mutex mutex;
  static std::map<std::tuple<bool, bool, bool, Watch>, std::unique_ptr<SeccompFilter>> built;
  std::lock_guard lock(mutex);
  auto& filter = built[{rules.refuse, rules.host, rules.service, rules.watch}];
  if (!filter) filter.reset(new SeccompFilter(build(rules), rules));
  return *filter;
}

const SeccompFilter& SeccompFilter::watch(bool count_forks) {
  return with({.refuse = false, .watch = count_forks ? Watch::signals_and_forks : Watch::signals});
}

const SeccompFilter& SeccompFilter::watching(bool count_forks) const {
  Rules rules = m_rules;
  rules.watch = count_forks ? Watch::signals_and_forks : Watch::signals;
  return with(rules);
}

const SeccompFilter& SeccompFilter::for_programs(bool on_host) { return with({.host = on_host}); }

const SeccompFilter& SeccompFilter::for_services() { return with({.service = true}); }

const std::vector<int>& SeccompFilter::refused_socket_families() {
  static const std::vector<int> families = {AF_INET, AF_INET6, AF_PACKET, AF_NETLINK};
  return families;
}

bool SeccompFilter::install() const noexcept {
  sock_fprog program{static_cast<unsigned short>(m_program.size()), const_cast<sock_filter*>(m_program.data())};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

int SeccompFilter::install_with_listener() const noexcept {
  sock_fprog program{static_cast<unsigned short>(m_program.size()), const_cast<sock_filter*>(m_program.data())};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
}

}  // namespace labgrade
