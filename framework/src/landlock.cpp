#include "labgrade/landlock.hpp"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "labgrade/error.hpp"

// Debian 12's <linux/landlock.h> (Linux 6.1) knows ABI 1 and 2 only: what
// later ABIs added, with the kernel's values.
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef LANDLOCK_RULE_NET_PORT
#define LANDLOCK_RULE_NET_PORT 2
#endif

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// struct landlock_ruleset_attr as of ABI 6 (the old header's has one field,
// and a struct cannot be guarded like a macro): the kernel reads as many
// bytes of it as it is told, so the size passed says which fields exist.
struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;  // ABI 4
  std::uint64_t scoped;              // ABI 6
};
static_assert(sizeof(RulesetAttr) == 24);

// struct landlock_net_port_attr (ABI 4), for a rule of type LANDLOCK_RULE_NET_PORT:
// labgrade adds none (no_tcp means no port at all), kept for a lab that needs one.
struct NetPortAttr {
  std::uint64_t allowed_access;
  std::uint64_t port;  // host byte order
};
static_assert(sizeof(NetPortAttr) == 16);

std::size_t ruleset_attr_size(int abi) {
  if (abi < 4) return sizeof(std::uint64_t);
  if (abi < 6) return 2 * sizeof(std::uint64_t);
  return sizeof(RulesetAttr);
}

std::uint64_t fs_rights(int abi) {
  std::uint64_t rights = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: EXECUTE ... MAKE_SYM
  // Below ABI 2 REFER cannot be handled, and renaming or linking into another
  // directory is always refused (EXDEV): a program's own working directory too.
  if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5) rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return rights;
}

// The only rights a rule on a file (not a directory) may carry: any other one
// makes landlock_add_rule fail with EINVAL.
std::uint64_t file_rights(int abi) {
  return fs_rights(abi) & (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
                           LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV);
}

constexpr std::uint64_t k_read_rights =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

LandlockSupport detect() {
  const char* setting = std::getenv("LABGRADE_LANDLOCK");
  const std::string_view wanted = setting != nullptr ? setting : "";
  if (wanted == "off") return {0, "turned off by LABGRADE_LANDLOCK=off"};
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi >= 1) {
    // An older kernel's Landlock, on this one: how its fallbacks get tested.
    if (wanted.size() == 1 && wanted[0] >= '1' && wanted[0] <= '9') return {std::min(static_cast<int>(abi), wanted[0] - '0'), ""};
    return {static_cast<int>(abi), ""};
  }
  switch (errno) {
    case ENOSYS: return {0, "the kernel has no Landlock (ENOSYS)"};
    case EOPNOTSUPP: return {0, "Landlock is disabled at boot (EOPNOTSUPP)"};
    default:  // EPERM: a container's seccomp profile that predates Landlock, say
      return {0, fmt::format("landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): {}", std::strerror(errno))};
  }
}

}  // namespace

const LandlockSupport& landlock_support() {
  static const LandlockSupport support = detect();
  return support;
}

LandlockRuleset LandlockRuleset::build(const LandlockPolicy& policy) {
  const LandlockSupport& support = landlock_support();
  if (support.abi == 0) throw GraderError("Landlock is not available: " + support.reason);

  LandlockRuleset ruleset;
  // A newer kernel keeps the meaning of the rights we name; rights it added
  // (and we cannot name) stay unhandled, i.e. allowed: we claim no more than ABI k_newest_known_abi.
  ruleset.m_abi = std::min(support.abi, k_newest_known_abi);
  ruleset.m_handled_fs = fs_rights(ruleset.m_abi);
  if (policy.no_tcp && ruleset.m_abi >= 4)
    ruleset.m_handled_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
  if (policy.scoped && ruleset.m_abi >= 6) ruleset.m_scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;

  const RulesetAttr attr{ruleset.m_handled_fs, ruleset.m_handled_net, ruleset.m_scoped};
  const std::size_t size = ruleset_attr_size(ruleset.m_abi);
  ruleset.m_fd.reset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (!ruleset.m_fd)
    throw SyscallError("landlock_create_ruleset",
                       fmt::format("{{fs {:#x}, net {:#x}, scoped {:#x}}}, {}, 0", attr.handled_access_fs,
                                   attr.handled_access_net, attr.scoped, size),
                       errno);

  for (const fs::path& path : policy.read_only)
    if (!ruleset.add_path_rule(path, false)) ruleset.m_skipped.push_back(path);
  for (const fs::path& path : policy.read_write)
    if (!ruleset.add_path_rule(path, true)) ruleset.m_skipped.push_back(path);
  return ruleset;
}

void LandlockRuleset::allow_read(const fs::path& path) {
  if (!add_path_rule(path, false)) throw SyscallError("open", fmt::format("\"{}\", O_PATH | O_CLOEXEC", path.string()), ENOENT);
}

bool LandlockRuleset::add_path_rule(const fs::path& path, bool writable) {
  // O_PATH: a rule needs no right to read the folder, only to name it (and
  // /lib -> usr/lib is followed: rules hold for inodes, not for names).
  UniqueFd fd{::open(path.c_str(), O_PATH | O_CLOEXEC)};
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    throw SyscallError("open", fmt::format("\"{}\", O_PATH | O_CLOEXEC", path.string()), errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw SyscallError("fstat", fmt::format("\"{}\" (O_PATH)", path.string()), errno);

  std::uint64_t access = writable ? m_handled_fs : k_read_rights;
  if (!S_ISDIR(st.st_mode)) access &= file_rights(m_abi);
  const landlock_path_beneath_attr rule{access, fd.get()};
  if (::syscall(SYS_landlock_add_rule, m_fd.get(), LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
    throw SyscallError("landlock_add_rule",
                       fmt::format("LANDLOCK_RULE_PATH_BENEATH, {{{:#x}, \"{}\"}}, 0", access, path.string()), errno);
  return true;
}

bool LandlockRuleset::restrict_self() const noexcept {
  // The kernel demands no_new_privs unless the caller has CAP_SYS_ADMIN: set
  // it always, so that root and others are restricted the same way.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::syscall(SYS_landlock_restrict_self, m_fd.get(), 0) == 0;
}

std::string LandlockRuleset::describe() const {
  std::string what = "files";
  if (m_handled_net != 0) what += ", TCP";
  if (m_scoped != 0) what += ", signals and abstract sockets";
  return fmt::format("Landlock (ABI {}): {}", m_abi, what);
}

}  // namespace labgrade
