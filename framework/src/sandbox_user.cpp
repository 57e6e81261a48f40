#include "labgrade/sandbox_user.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace {

// The ids the machine's own files name (field 3 of /etc/passwd and /etc/group).
std::set<unsigned long> ids_named_in(const char* file) {
  std::set<unsigned long> ids;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::size_t first = line.find(':');
    std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    try {
      ids.insert(std::stoul(line.substr(second + 1)));
    } catch (const std::exception&) {
    }
  }
  return ids;
}

const std::set<unsigned long>& taken_by_the_machine() {
  static const std::set<unsigned long> ids = [] {
    std::set<unsigned long> all = ids_named_in("/etc/passwd");
    all.merge(ids_named_in("/etc/group"));
    return all;
  }();
  return ids;
}

// Binds @labgrade-uid-<uid>: one socket at a time can, on the whole machine,
// and the name is free again when its holder dies.
UniqueFd try_hold(uid_t uid) {
  UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) throw SyscallError("socket", "AF_UNIX, SOCK_STREAM", errno);
  const std::string name = fmt::format("labgrade-uid-{}", uid);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) == 0) return fd;
  if (errno != EADDRINUSE) throw SyscallError("bind", "@" + name, errno);
  return UniqueFd{};
}

}  // namespace

SandboxUser SandboxUser::take() {
  SandboxUser user;
  if (::geteuid() != 0) {
    user.m_uid = ::geteuid();
    user.m_gid = ::getegid();
    return user;
  }
  // Start at a place of our own in the range: concurrent runs seldom try the same uid.
  const uid_t start = static_cast<uid_t>(::getpid()) % k_uid_count;
  for (uid_t i = 0; i < k_uid_count; ++i) {
    const uid_t uid = k_first_uid + (start + i) % k_uid_count;
    if (taken_by_the_machine().count(uid) != 0) continue;
    if (UniqueFd lock = try_hold(uid)) {
      user.m_lock = std::move(lock);
      user.m_uid = uid;
      user.m_gid = uid;
      user.m_switches = true;
      return user;
    }
  }
  throw GraderError(fmt::format("no free sandbox uid in {}..{}: {} worlds alive at once on this machine?", k_first_uid,
                                k_first_uid + k_uid_count - 1, k_uid_count));
}

}  // namespace labgrade
