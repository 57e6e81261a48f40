#include "labgrade/ipc_inspector.hpp"

#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

namespace {

constexpr std::size_t k_proc_buffer = 1 << 20;
constexpr std::uint32_t k_setns_failed = 0xffffffffU;  // instead of a length: then errno

bool write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// The child, inside the world (only async-signal-safe calls: we forked a
// multithreaded process). Protocol: u32 length + /proc/sysvipc/shm text;
// then for each {shmid, max} it is sent: u32 length + that many bytes.
[[noreturn]] void inspect_in_world(int pidfd, int flags, int to_parent, int from_parent, char* buffer,
                                   const char* proc_file) {
  if (pidfd >= 0 && ::setns(pidfd, flags) != 0) {
    std::uint32_t failed[2] = {k_setns_failed, static_cast<std::uint32_t>(errno)};
    write_all(to_parent, failed, sizeof failed);
    ::_exit(10);
  }
  int fd = ::open(proc_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) ::_exit(11);
  std::uint32_t length = 0;
  for (;;) {
    ssize_t r = ::read(fd, buffer + length, k_proc_buffer - length);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    length += static_cast<std::uint32_t>(r);
  }
  ::close(fd);
  if (!write_all(to_parent, &length, sizeof length) || !write_all(to_parent, buffer, length)) ::_exit(12);
  std::uint32_t count = 0;
  if (!read_all(from_parent, &count, sizeof count)) ::_exit(13);
  for (std::uint32_t i = 0; i < count; ++i) {
    struct {
      int shmid;
      std::uint32_t max;
    } ask;  // the layout of Ask
    if (!read_all(from_parent, &ask, sizeof ask)) ::_exit(14);
    void* at = ::shmat(ask.shmid, nullptr, SHM_RDONLY);
    std::uint32_t n = at == reinterpret_cast<void*>(-1) ? 0 : ask.max;
    if (!write_all(to_parent, &n, sizeof n)) ::_exit(15);
    if (n > 0 && !write_all(to_parent, at, n)) ::_exit(16);
    if (at != reinterpret_cast<void*>(-1)) ::shmdt(at);
  }
  ::_exit(0);
}

std::vector<SysvSegment> parse_proc_shm(const std::string& text) {
  std::vector<SysvSegment> out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    SysvSegment s;
    std::string perms;
    pid_t lpid = 0;
    if (!(row >> s.key >> s.shmid >> perms >> s.size >> s.creator_pid >> lpid >> s.nattch)) continue;
    s.mode = static_cast<unsigned>(std::stoul(perms, nullptr, 8)) & 0777;
    out.push_back(s);
  }
  return out;
}

// One visit of the inspector child: the text of `proc_file` as the world sees
// it, then the first bytes of each segment `attach` picks from that text.
struct Visit {
  std::string text;
  std::vector<std::string> attached;
};

struct Ask {
  int shmid;
  std::uint32_t max;
};

Visit visit_world(const World& world, const char* proc_file,
                  const std::function<std::vector<Ask>(const std::string&)>& attach) {
  Pipe up = Pipe::create(), down = Pipe::create();
  std::vector<char> buffer(k_proc_buffer);  // the child's, allocated before fork
  const int pidfd = world.isolation() == Isolation::none ? -1 : world.init_pidfd();
  const int flags = world.namespace_flags() & (CLONE_NEWIPC | CLONE_NEWUSER);
  pid_t child = ::fork();
  if (child < 0) throw SyscallError("fork", "IPC inspector", errno);
  if (child == 0) inspect_in_world(pidfd, flags, up.write.get(), down.read.get(), buffer.data(), proc_file);
  up.write.reset();
  down.read.reset();

  auto fail = [&](const std::string& what) -> SyscallError {
    int status = 0;
    ::waitpid(child, &status, 0);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return SyscallError(code == 11 ? "open" : "read", fmt::format("IPC inspector of the world, {} (step {})", what, code), EIO);
  };
  std::uint32_t length = 0;
  if (!read_all(up.read.get(), &length, sizeof length)) throw fail(proc_file);
  if (length == k_setns_failed) {
    std::uint32_t err = 0;
    read_all(up.read.get(), &err, sizeof err);
    ::waitpid(child, nullptr, 0);
    throw SyscallError("setns", fmt::format("the world's init (pid {}), CLONE_NEWIPC", world.init_pid()), static_cast<int>(err));
  }
  Visit visit;
  visit.text.resize(length);
  if (!read_all(up.read.get(), visit.text.data(), length)) throw fail(proc_file);

  const std::vector<Ask> asks = attach(visit.text);
  std::uint32_t count = static_cast<std::uint32_t>(asks.size());
  bool sent = write_all(down.write.get(), &count, sizeof count);
  for (const Ask& ask : asks) {
    sent = sent && write_all(down.write.get(), &ask, sizeof ask);
    std::uint32_t n = 0;
    if (!sent || !read_all(up.read.get(), &n, sizeof n)) throw fail("shmat");
    std::string bytes(n, '\0');
    if (n > 0 && !read_all(up.read.get(), bytes.data(), n)) throw fail("shmat");
    visit.attached.push_back(std::move(bytes));
  }
  down.write.reset();
  ::waitpid(child, nullptr, 0);
  return visit;
}

}  // namespace

std::vector<SysvSegment> sysv_segments(const World& world, std::size_t max_bytes) {
  std::vector<SysvSegment> segments;
  Visit visit = visit_world(world, "/proc/sysvipc/shm", [&](const std::string& text) {
    segments = parse_proc_shm(text);
    std::vector<Ask> asks;
    for (const auto& s : segments) asks.push_back({s.shmid, static_cast<std::uint32_t>(std::min(max_bytes, s.size))});
    return asks;
  });
  for (std::size_t i = 0; i < segments.size(); ++i) segments[i].bytes = std::move(visit.attached[i]);
  return segments;
}

std::vector<SysvQueue> sysv_queues(const World& world) {
  Visit visit = visit_world(world, "/proc/sysvipc/msg", [](const std::string&) { return std::vector<Ask>{}; });
  std::vector<SysvQueue> out;
  std::istringstream in(visit.text);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    SysvQueue q;
    std::string perms;
    if (!(row >> q.key >> q.msqid >> perms >> q.bytes >> q.messages)) continue;
    q.mode = static_cast<unsigned>(std::stoul(perms, nullptr, 8)) & 0777;
    out.push_back(q);
  }
  return out;
}

std::optional<PosixQueueAttributes> posix_queue(const World& world, const std::string& name) {
  const int pidfd = world.isolation() == Isolation::none ? -1 : world.init_pidfd();
  const int flags = world.namespace_flags() & (CLONE_NEWIPC | CLONE_NEWUSER);
  Pipe up = Pipe::create();
  const std::string queue = name.empty() || name[0] != '/' ? "/" + name : name;
  pid_t child = ::fork();
  if (child < 0) throw SyscallError("fork", "IPC inspector", errno);
  if (child == 0) {  // async-signal-safe calls only
    long answer[4] = {0, 0, 0, 0};  // errno (0: ok), maxmsg, msgsize, curmsgs
    if (pidfd >= 0 && ::setns(pidfd, flags) != 0) {
      answer[0] = -errno;
    } else {
      mqd_t q = ::mq_open(queue.c_str(), O_RDONLY | O_NONBLOCK);
      struct mq_attr attr {};
      if (q == static_cast<mqd_t>(-1)) {
        answer[0] = errno;
      } else if (::mq_getattr(q, &attr) != 0) {
        answer[0] = errno;
      } else {
        answer[1] = attr.mq_maxmsg;
        answer[2] = attr.mq_msgsize;
        answer[3] = attr.mq_curmsgs;
      }
    }
    write_all(up.write.get(), answer, sizeof answer);
    ::_exit(0);
  }
  up.write.reset();
  long answer[4] = {EIO, 0, 0, 0};
  bool ok = read_all(up.read.get(), answer, sizeof answer);
  ::waitpid(child, nullptr, 0);
  if (!ok) throw SyscallError("mq_getattr", queue + " in the world", EIO);
  if (answer[0] < 0) throw SyscallError("setns", fmt::format("the world's init (pid {}), CLONE_NEWIPC", world.init_pid()), static_cast<int>(-answer[0]));
  if (answer[0] == ENOENT) return std::nullopt;
  if (answer[0] != 0) throw SyscallError("mq_open", fmt::format("\"{}\", O_RDONLY in the world", queue), static_cast<int>(answer[0]));
  return PosixQueueAttributes{answer[1], answer[2], answer[3]};
}

}  // namespace labgrade
