#include "labgrade/machine_lock.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "labgrade/error.hpp"

namespace labgrade {

UniqueFd try_machine_lock(const std::string& name) {
  UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) throw SyscallError("socket", "AF_UNIX, SOCK_STREAM", errno);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof address.sun_path) throw GraderError("machine lock name too long: " + name);
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) == 0) return fd;
  if (errno != EADDRINUSE) throw SyscallError("bind", "@" + name, errno);
  return UniqueFd{};
}

UniqueFd machine_lock(const std::string& name) {
  for (;;) {
    if (UniqueFd fd = try_machine_lock(name)) return fd;
    ::poll(nullptr, 0, 5);  // another labgrade holds it: wait for its world to end
  }
}

}  // namespace labgrade
