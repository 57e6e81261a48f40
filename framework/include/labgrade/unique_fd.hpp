// A move-only owner of a file descriptor.
//
//   UniqueFd fd{::open(path, O_RDONLY | O_CLOEXEC)};
//   if (!fd) throw SyscallError("open", path, errno);
//   ::read(fd.get(), buf, n);   // closed when fd goes out of scope
#pragma once

#include <unistd.h>

#include <utility>

namespace labgrade {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.m_fd, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return m_fd; }
  explicit operator bool() const noexcept { return m_fd >= 0; }
  int release() noexcept { return std::exchange(m_fd, -1); }
  void reset(int fd = -1) noexcept {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
  }

 private:
  int m_fd = -1;
};

/// A pipe as two owned ends, both O_CLOEXEC.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
  static Pipe create();  // throws SyscallError
};

}  // namespace labgrade
