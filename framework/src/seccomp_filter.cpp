#include "labgrade/seccomp_filter.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

const std::vector<std::string>& SeccompFilter::refused() {
  static const std::vector<std::string> calls = {
      // other processes' memory and the kernel itself
      "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "bpf", "perf_event_open", "userfaultfd",
      "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "syslog",
      "iopl", "ioperm", "acct", "swapon", "swapoff", "quotactl", "lookup_dcookie",
      // keys, clocks, and leaving the world (mounts and namespaces)
      "keyctl", "add_key", "request_key", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
      "mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "fsopen", "fsconfig", "fsmount",
      "fspick", "move_mount", "open_tree", "mount_setattr", "open_by_handle_at", "name_to_handle_at", "vhangup"};
  return calls;
}

const SeccompFilter& SeccompFilter::for_programs() {
  static const SeccompFilter filter = [] {
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
    if (!ctx) throw GraderError("seccomp_init(SCMP_ACT_ALLOW) failed");
    // A call of another architecture (int 0x80 on x86-64) would bypass the rules: refused too.
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0)
      throw SyscallError("seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS", -rc);
    for (const std::string& name : refused()) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // not a call of this architecture
      if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, 0); rc != 0)
        throw SyscallError("seccomp_rule_add", fmt::format("SCMP_ACT_KILL_PROCESS, {}", name), -rc);
    }
    // Export the BPF once, here: building it after fork would allocate.
    UniqueFd fd{::memfd_create("labgrade-seccomp", MFD_CLOEXEC)};
    if (!fd) throw SyscallError("memfd_create", "\"labgrade-seccomp\", MFD_CLOEXEC", errno);
    if (int rc = seccomp_export_bpf(ctx.get(), fd.get()); rc != 0) throw SyscallError("seccomp_export_bpf", "memfd", -rc);
    off_t size = ::lseek(fd.get(), 0, SEEK_END);
    SeccompFilter f;
    f.m_program.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (size <= 0 || ::pread(fd.get(), f.m_program.data(), static_cast<std::size_t>(size), 0) != size)
      throw SyscallError("pread", fmt::format("the exported seccomp filter, {} bytes", size), errno);
    return f;
  }();
  return filter;
}

bool SeccompFilter::install() const noexcept {
  sock_fprog program{static_cast<unsigned short>(m_program.size()), const_cast<sock_filter*>(m_program.data())};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

}  // namespace labgrade
