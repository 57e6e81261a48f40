#include "labgrade/input_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/fault_injection.hpp"

namespace labgrade {

struct InputFile::File {
  UniqueFd fd;
  const char* data = nullptr;  // a read-only shared mapping of the sealed file
  std::size_t size = 0;
  File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (data != nullptr) ::munmap(const_cast<char*>(data), size);
  }
};

InputFile InputFile::holding(std::string_view bytes) {
  return written([&](const Append& append) { append(bytes); });
}

// Written with write(), never through a writable mapping: a process forked
// meanwhile by another thread (a world's init lives on) would inherit such a
// mapping and keep the file from being sealed.
InputFile InputFile::written(const std::function<void(const Append&)>& produce) {
  auto file = std::make_shared<File>();
  file->fd.reset(injected_fault("memfd_create", EMFILE) ? -1 : ::memfd_create("labgrade-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!file->fd) throw SyscallError("memfd_create", "\"labgrade-stdin\", MFD_CLOEXEC | MFD_ALLOW_SEALING", errno);
  const int fd = file->fd.get();
  std::size_t size = 0;
  produce([&](std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw SyscallError("write", fmt::format("stdin memfd, {} bytes at {}", bytes.size() - done, size), errno);
      done += static_cast<std::size_t>(n);
      size += static_cast<std::size_t>(n);
    }
  });
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    throw SyscallError("fcntl", "stdin memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL", errno);
  if (size > 0) {
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
      throw SyscallError("mmap", fmt::format("stdin memfd, {} bytes, PROT_READ, MAP_SHARED", size), errno);
    file->data = static_cast<const char*>(map);
    file->size = size;
  }
  return InputFile(std::move(file));
}

std::string_view InputFile::bytes() const {
  return {m_file->data, m_file->size};
}

UniqueFd InputFile::open_for_reading() const {
  // Reopening through /proc gives a description of its own: each reader has
  // its own offset, and read-only (the seals forbid writing anyway).
  const std::string path = fmt::format("/proc/self/fd/{}", m_file->fd.get());
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) throw SyscallError("open", fmt::format("\"{}\", O_RDONLY", path), errno);
  return fd;
}

}  // namespace labgrade
