#include "labgrade/deadlock_watch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "labgrade/content_hash.hpp"
#include "labgrade/proc_files.hpp"
#include "labgrade/socket_inspector.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

namespace {

// A pipe or FIFO: the device and inode its descriptors lead to.
using PipeId = std::pair<dev_t, ino_t>;

struct PipeEnd {
  PipeId pipe;
  int access = O_RDONLY;  // O_RDONLY, O_WRONLY or O_RDWR
  std::string path;       // a FIFO's name; "" for a pipe made by pipe()
};

// What one thread waits for; `kind` none: nothing a stuck world is made of.
struct Wait {
  enum Kind {
    none, read_pipe, write_pipe, children,  // a deadlock, whatever the check does
    open_fifo, queue_receive, queue_send, sysv_receive, sysv_send, semaphore, futex, signal,  // stuck while awaited
    socket_read, socket_write, socket_accept,  // on a TCP socket of the world's own network, while awaited
    spin  // running without a system call, where the lab's programs busy-wait
  } kind = none;
  PipeId pipe{};       // read_pipe, write_pipe
  std::string object;  // a FIFO's path, a queue's name, a System V id, the call waiting for a signal
  bool named = false;  // read_pipe, write_pipe: a FIFO (a program may open it next)

  // Whether only a check that awaits (and so opens, sends and starts
  // nothing) makes this wait one that nothing can end.
  bool needs_await() const { return named || (kind != read_pipe && kind != write_pipe && kind != children); }
};

struct Proc {
  int pid = 0;  // in the world's pid namespace
  int ppid = 0;
  std::string name;
  std::vector<Wait> waits;         // one a thread
  std::map<int, PipeEnd> pipes;    // its descriptors that are pipes or FIFOs
  std::string fingerprint;         // its threads' calls and run times
  double spin_cpu = 0;             // CPU seconds of its spinning threads
};

std::vector<int> numeric_entries(const std::string& dir) {
  std::vector<int> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long n = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0') out.push_back(static_cast<int>(n));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// A name a program chose (its argv[0], a FIFO's path, a queue's name), fit for a report:
// control bytes shown as '?', at most 120 bytes.
std::string printable(std::string text) {
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

// The names in a folder (not . and ..), sorted.
std::vector<std::string> entry_names(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) out.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string status_field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) {
      std::string value = line.substr(key.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "";
}

// The pipes and FIFOs among a process's descriptors, with how each is open.
std::map<int, PipeEnd> pipe_ends(const std::string& proc_dir) {
  std::map<int, PipeEnd> ends;
  for (int fd : numeric_entries(proc_dir + "/fd")) {
    const std::string link = fmt::format("{}/fd/{}", proc_dir, fd);
    char target[4096];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    const std::string_view name(target, static_cast<std::size_t>(n));
    struct stat st {};
    if (::stat(link.c_str(), &st) != 0 || !S_ISFIFO(st.st_mode)) continue;
    auto info = read_proc_file(fmt::format("{}/fdinfo/{}", proc_dir, fd));
    if (!info) continue;
    const std::string flags = status_field(*info, "flags");
    if (flags.empty()) continue;
    ends[fd] = PipeEnd{{st.st_dev, st.st_ino}, static_cast<int>(std::strtol(flags.c_str(), nullptr, 8) & O_ACCMODE),
                       name.rfind("pipe:[", 0) == 0 ? "" : std::string(name)};
  }
  return ends;
}

// The NUL-terminated string at `address` of a process's memory ("" when it
// cannot be read: another user's process, a bad address).
std::string string_at(const std::string& proc_dir, unsigned long long address) {
  UniqueFd mem(::open((proc_dir + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mem || address == 0) return "";
  char buffer[256];
  const ssize_t n = ::pread(mem.get(), buffer, sizeof buffer, static_cast<off_t>(address));
  if (n <= 0) return "";
  const std::string_view text(buffer, static_cast<std::size_t>(n));
  const auto end = text.find('\0');
  return end == std::string_view::npos ? "" : std::string(text.substr(0, end));
}

std::string link_of(const std::string& proc_dir, unsigned long long fd) {
  char target[4096];
  const ssize_t n = ::readlink(fmt::format("{}/fd/{}", proc_dir, fd).c_str(), target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "";
}

// What a sleeping thread waits for, from /proc/.../syscall ("0 0x3 ..." for
// read(3, ...)); none for anything a stuck world is not made of (a call
// with a timeout among them: it ends by itself).
// The world's TCP sockets by inode: only programs of the world can be at
// their other end (its network is its own).
using TcpSockets = std::map<unsigned long, TcpSocket>;

// A wait on one of the world's TCP sockets, or none.
Wait socket_wait(Wait::Kind kind, unsigned long long fd, const TcpSockets& tcp, const std::string& proc_dir) {
  const std::string link = link_of(proc_dir, fd);
  if (link.rfind("socket:[", 0) != 0) return {};
  auto it = tcp.find(std::strtoul(link.c_str() + 8, nullptr, 10));
  if (it == tcp.end()) return {};
  return {kind, {}, fmt::format("port {}", it->second.local_port)};
}

Wait wait_of(const std::string& syscall_line, const std::map<int, PipeEnd>& pipes, const TcpSockets& tcp,
             const std::string& proc_dir) {
  std::istringstream in(syscall_line);
  long number = -1;
  if (!(in >> number)) return {};
  unsigned long long arg[6] = {};
  for (auto& a : arg) {
    std::string word;
    if (!(in >> word)) return {};
    a = std::strtoull(word.c_str(), nullptr, 0);
  }
  switch (number) {
    case SYS_wait4:
    case SYS_waitid:
      return {Wait::children};
    case SYS_read:
    case SYS_readv:
    case SYS_write:
    case SYS_writev: {
      const bool reading = number == SYS_read || number == SYS_readv;
      auto it = pipes.find(static_cast<int>(arg[0]));
      if (it == pipes.end()) return socket_wait(reading ? Wait::socket_read : Wait::socket_write, arg[0], tcp, proc_dir);
      return {reading ? Wait::read_pipe : Wait::write_pipe, it->second.pipe, it->second.path, !it->second.path.empty()};
    }
    case SYS_recvfrom:
    case SYS_recvmsg:
      return socket_wait(Wait::socket_read, arg[0], tcp, proc_dir);
    case SYS_sendto:
    case SYS_sendmsg:
      return socket_wait(Wait::socket_write, arg[0], tcp, proc_dir);
    case SYS_accept:
    case SYS_accept4:
      return socket_wait(Wait::socket_accept, arg[0], tcp, proc_dir);
#ifdef SYS_open
    case SYS_open:  // only a FIFO's open sleeps in a world (its /dev holds no slow device)
      return {Wait::open_fifo, {}, string_at(proc_dir, arg[0])};
#endif
    case SYS_openat:
    case SYS_openat2:
      return {Wait::open_fifo, {}, string_at(proc_dir, arg[1])};
    case SYS_mq_timedreceive:
    case SYS_mq_timedsend:
      if (arg[4] != 0) return {};
      return {number == SYS_mq_timedreceive ? Wait::queue_receive : Wait::queue_send, {}, link_of(proc_dir, arg[0])};
    case SYS_msgrcv:
    case SYS_msgsnd:
      return {number == SYS_msgrcv ? Wait::sysv_receive : Wait::sysv_send, {}, std::to_string(arg[0])};
    case SYS_semop:
      return {Wait::semaphore, {}, std::to_string(arg[0])};
    case SYS_semtimedop:
      if (arg[3] != 0) return {};
      return {Wait::semaphore, {}, std::to_string(arg[0])};
    case SYS_futex: {
      const auto op = arg[1] & FUTEX_CMD_MASK;
      const bool waits = op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET || op == FUTEX_LOCK_PI || op == FUTEX_WAIT_REQUEUE_PI;
      if (!waits || arg[3] != 0) return {};
      return {Wait::futex};
    }
#ifdef SYS_pause
    case SYS_pause:
      return {Wait::signal, {}, "pause"};
#endif
    case SYS_rt_sigsuspend:
      return {Wait::signal, {}, "sigsuspend"};
    case SYS_rt_sigtimedwait:
      if (arg[2] != 0) return {};
      return {Wait::signal, {}, "sigwait"};
    default:
      return {};
  }
}

// Whether a timer may still send it a signal it catches: SIGALRM caught (an
// alarm() is not shown in /proc), or a POSIX timer set.
bool may_ring(const std::string& proc_dir, unsigned long long caught) {
  if (caught & (1ULL << (SIGALRM - 1))) return true;
  auto timers = read_proc_file(proc_dir + "/timers");
  return timers && !timers->empty();
}

// What the world's shared memory objects hold now (the first 64 KiB of
// each): spinning programs that pass items through it change it.
std::string shared_memory_state(pid_t init_pid) {
  const std::string dir = fmt::format("/proc/{}/root/dev/shm", init_pid);
  ContentHash hash;
  constexpr std::size_t k_most = 64;  // a world may fill its /dev/shm with names: the look stays cheap
  const std::vector<std::string> names = entry_names(dir);
  for (std::size_t i = 0; i < names.size() && i < k_most; ++i) {
    const std::string& name = names[i];
    UniqueFd fd(::open((dir + "/" + name).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    char bytes[65536];
    const ssize_t n = fd ? ::pread(fd.get(), bytes, sizeof bytes, 0) : -1;
    hash.add(name);
    if (n > 0) hash.add(std::string_view(bytes, static_cast<std::size_t>(n)));
  }
  return hash.hex();
}

// A process of the world as it is now; nothing when it cannot be part of a
// stuck world (a thread running, in another call, a handler installed while
// the check may still send a signal...). `zombie` is set for a process that
// has ended.
std::optional<Proc> read_proc(const std::string& proc_root, int pid, bool awaited, bool spinning_is_waiting,
                              const TcpSockets& tcp, bool& zombie) {
  const std::string dir = fmt::format("{}/{}", proc_root, pid);
  zombie = false;
  auto status = read_proc_file(dir + "/status");
  if (!status) return std::nullopt;
  Proc p;
  p.pid = pid;
  // Its program's name from argv[0]: a kernel before 6.14 names a program
  // started with execveat (as the world's are) after the descriptor ("3").
  auto cmdline = read_proc_file(dir + "/cmdline");
  const std::string arg0 = cmdline ? cmdline->substr(0, cmdline->find('\0')) : "";
  p.name = printable(arg0.empty() ? status_field(*status, "Name") : arg0.substr(arg0.rfind('/') + 1));
  p.ppid = std::atoi(status_field(*status, "PPid").c_str());
  if (status_field(*status, "State").rfind("Z", 0) == 0) {
    zombie = true;
    return std::nullopt;
  }
  const unsigned long long caught = std::strtoull(status_field(*status, "SigCgt").c_str(), nullptr, 16);
  if (caught != 0 && (!awaited || may_ring(dir, caught))) return std::nullopt;
  p.pipes = pipe_ends(dir);
  for (int tid : numeric_entries(dir + "/task")) {
    const std::string task = fmt::format("{}/task/{}", dir, tid);
    auto stat = read_proc_stat(task + "/stat");
    auto syscall = read_proc_file(task + "/syscall");
    auto runtime = read_proc_file(task + "/schedstat");
    if (!stat || !syscall || !runtime) return std::nullopt;
    if (stat->state == 'R' && awaited && spinning_is_waiting) {
      // Spinning: what would show a system call that matters (a read or
      // write, a sleep) is counted, and must stay the same from look to look.
      auto io = read_proc_file(task + "/io");
      auto task_status = read_proc_file(task + "/status");
      if (!io || !task_status) return std::nullopt;
      p.waits.push_back(Wait{Wait::spin});
      p.spin_cpu += stat->cpu_seconds();
      p.fingerprint += fmt::format("{}:spin:{}:{}:{}|", tid, status_field(*task_status, "voluntary_ctxt_switches"),
                                   status_field(*io, "syscr"), status_field(*io, "syscw"));
      continue;
    }
    if (stat->state != 'S') return std::nullopt;
    Wait w = wait_of(*syscall, p.pipes, tcp, dir);
    if (w.kind == Wait::none || (w.needs_await() && !awaited)) return std::nullopt;
    p.waits.push_back(w);
    p.fingerprint += fmt::format("{}:{}:{}|", tid, syscall->substr(0, syscall->find('\n')),
                                 runtime->substr(0, runtime->find(' ')));
  }
  if (p.waits.empty()) return std::nullopt;
  return p;
}

// The pipes and FIFOs the grader (this process) has open: it may still use them.
std::set<PipeId> grader_pipes() {
  std::set<PipeId> ids;
  for (const auto& [fd, end] : pipe_ends("/proc/self")) ids.insert(end.pipe);
  return ids;
}

std::string who(const Proc& p) { return fmt::format("{} (pid {})", p.name, p.pid); }

// "pipe (pid 3) and pipe (pid 2)"; "pipe (pid 3) itself" when that is `self`.
std::string names(const std::vector<const Proc*>& procs, const Proc* self = nullptr) {
  if (procs.size() == 1 && procs[0] == self) return who(*self) + " itself";
  std::string text;
  for (std::size_t i = 0; i < procs.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == procs.size() ? " and " : ", ") + who(*procs[i]);
  }
  return text;
}

std::string quoted_or(const std::string& object, const std::string& otherwise) {
  return object.empty() ? otherwise : fmt::format("{} {}", otherwise, object);
}

// What a wait that nothing can end says in a report, and its cause in a
// student's terms. `holders`: who holds the other end (pipes and FIFOs).
std::pair<std::string, std::string> describe(const Proc& p, const Wait& w, const std::vector<const Proc*>& holders) {
  const std::string name = who(p);
  const std::string object = printable(w.object);  // a name the program chose
  switch (w.kind) {
    case Wait::read_pipe:
    case Wait::write_pipe: {
      const bool reading = w.kind == Wait::read_pipe;
      const std::string what = w.named ? "the FIFO " + object : "a pipe";
      std::string text = fmt::format("{} waits to {} {} whose {} end is open only in {}", name, reading ? "read from" : "write to",
                                     what, reading ? "write" : "read", names(holders, &p));
      if (!w.named)
        return {text, "each of its processes waits for another: after fork both processes hold both ends of a pipe, "
                      "and read() returns 0 only when every write end is closed, the reader's own copy included"};
      if (reading && holders.size() == 1 && holders[0] == &p)
        return {text, "it holds the FIFO open for writing itself (O_RDWR, or a second open), so read() never returns 0 "
                      "(end of file): the reader opens it O_RDONLY, once"};
      return {text, reading ? "read() on a FIFO returns 0 only when every write end is closed: the writer closes it when done"
                            : "a write to a full FIFO waits until its reader reads: does the reader read until end of file?"};
    }
    case Wait::children:
      return {"", "it waits for a child that never ends"};
    case Wait::open_fifo:
      return {fmt::format("{} waits in open() for another program to open the other end of {}", name, quoted_or(object, "the FIFO")),
              "open() of a FIFO waits until another program opens its other end: do both programs use the path "
              "they were given (argv[1]), one opening it O_RDONLY and the other O_WRONLY?"};
    case Wait::queue_receive:
      return {fmt::format("{} waits in mq_receive on {}, which is empty", name, quoted_or(object, "a queue")),
              "mq_receive waits while the queue is empty: does it open the queue the producer sends to (the same name), "
              "and does it stop after the last message?"};
    case Wait::queue_send:
      return {fmt::format("{} waits in mq_send on {}, which is full", name, quoted_or(object, "a queue")),
              "mq_send waits while the queue is full: is a consumer receiving from this same queue?"};
    case Wait::sysv_receive:
      return {fmt::format("{} waits in msgrcv on System V queue {} for a message", name, object),
              "msgrcv waits until a message of the type it asks for is in the queue: does it use the sender's key "
              "(ftok with the same file and project id), and does it stop after the last message?"};
    case Wait::sysv_send:
      return {fmt::format("{} waits in msgsnd on System V queue {}, which is full", name, object),
              "msgsnd waits while the queue is full: is a receiver reading this same queue?"};
    case Wait::semaphore:
      return {fmt::format("{} waits in semop on System V semaphore set {}", name, object),
              "semop waits for a value that another process must make: is the matching operation missing?"};
    case Wait::futex:
      return {fmt::format("{} waits on a futex (sem_wait, a mutex or a condition variable)", name),
              "sem_wait, pthread_mutex_lock and pthread_cond_wait sleep until another process posts, unlocks or "
              "signals: is that sem_post (or unlock) missing, or made on another object?"};
    case Wait::signal:
      return {fmt::format("{} waits in {} for a signal", name, object),
              "it waits for a signal that nothing is left to send: is it blocked (sigprocmask), or was it sent before the wait began?"};
    case Wait::socket_read:
      return {fmt::format("{} waits to read from its TCP socket ({})", name, object),
              "it waits for bytes that no program will send: a client that waits for the server to close before it "
              "closes, or a server that waits for more than the line it was sent?"};
    case Wait::socket_write:
      return {fmt::format("{} waits to write to its TCP socket ({}), whose other end reads nothing", name, object),
              "a write waits while the other side does not read: does the other side read its replies?"};
    case Wait::socket_accept:
      return {fmt::format("{} waits in accept for a client ({})", name, object), ""};
    case Wait::spin:
      return {fmt::format("{} spins in a busy-wait, making no system call", name),
              "it busy-waits for a change that no program is left to make: the loop must re-read the shared fields "
              "each turn (never a copy in a local variable), both programs must use the same object, and it must "
              "stop after the last item"};
    case Wait::none:
      break;
  }
  return {"", ""};
}

}  // namespace

std::optional<StuckWorld> DeadlockWatch::look() {
  const bool awaited = m_awaits && m_awaits->load() > 0;
  const std::string proc_root = fmt::format("/proc/{}/root/proc", m_init_pid);
  TcpSockets tcp;
  if (awaited) {
    for (const TcpSocket& s : tcp_sockets(m_init_pid)) tcp[s.inode] = s;
  }
  std::vector<Proc> procs;
  for (int pid : numeric_entries(proc_root)) {
    if (pid == 1 || std::find(m_services.begin(), m_services.end(), pid) != m_services.end()) continue;  // ours
    bool zombie = false;
    auto p = read_proc(proc_root, pid, awaited, m_spinning_is_waiting, tcp, zombie);
    if (zombie) continue;
    if (!p) {  // something in the world can still move
      m_previous.reset();
      return std::nullopt;
    }
    procs.push_back(std::move(*p));
  }
  if (procs.empty()) {
    m_previous.reset();
    return std::nullopt;
  }
  const std::set<PipeId> graders = grader_pipes();
  auto holders = [&](const PipeId& pipe, bool want_writers) {
    std::vector<const Proc*> found;
    for (const auto& p : procs) {
      for (const auto& [fd, end] : p.pipes) {
        if (end.pipe != pipe) continue;
        if (end.access == O_RDWR || end.access == (want_writers ? O_WRONLY : O_RDONLY)) {
          found.push_back(&p);
          break;
        }
      }
    }
    return found;
  };
  // Every process is asleep in a call that only the world could end; each
  // pipe it waits on is held only by processes of the world, never by the grader.
  std::vector<std::string> why;
  std::string advice, children_advice;  // the first wait's cause; waiting for children only when nothing else is
  bool deadlock = true;  // only pipes and children: stuck whatever the check does
  for (const auto& p : procs) {
    std::set<std::string> reasons;
    for (const Wait& w : p.waits) {
      deadlock = deadlock && !w.needs_await();
      std::vector<const Proc*> others;
      if (w.kind == Wait::children) {
        for (const auto& c : procs) {
          if (c.ppid == p.pid) others.push_back(&c);
        }
        if (others.empty()) {  // its children are not all asleep in the world
          m_previous.reset();
          return std::nullopt;
        }
        reasons.insert(fmt::format("{} waits for its child{} {}", who(p), others.size() > 1 ? "ren" : "", names(others)));
        children_advice = describe(p, w, others).second;
        continue;
      }
      if (w.kind == Wait::read_pipe || w.kind == Wait::write_pipe) {
        if (graders.count(w.pipe) != 0) {
          m_previous.reset();
          return std::nullopt;
        }
        others = holders(w.pipe, w.kind == Wait::read_pipe);
        if (others.empty()) {  // the call is about to return (end of file, EPIPE)
          m_previous.reset();
          return std::nullopt;
        }
      }
      auto [text, cause] = describe(p, w, others);
      reasons.insert(text);
      if (advice.empty()) advice = cause;  // a server's accept has none: the cause is elsewhere
    }
    for (const auto& r : reasons) why.push_back(r);
  }
  std::string fingerprint = awaited ? "awaited|" : "";
  double spin_cpu = 0;
  bool spinning = false;
  for (const auto& p : procs) {
    fingerprint += p.fingerprint;
    spin_cpu += p.spin_cpu;
    for (const Wait& w : p.waits) spinning = spinning || w.kind == Wait::spin;
  }
  // Spinning programs may pass items to each other through shared memory
  // without a system call: they are stuck only if it does not change either.
  if (spinning) fingerprint += "shm:" + shared_memory_state(m_init_pid);
  const auto now = std::chrono::steady_clock::now();
  if (!m_previous || m_previous->fingerprint != fingerprint) {
    m_previous = Seen{fingerprint, now, spin_cpu};
    return std::nullopt;
  }
  // Asleep: two looks in a row agree. Spinning: for a second, with half a
  // second of CPU (it really spins; a starved program is not judged).
  if (spinning && (now - m_previous->since < std::chrono::seconds(1) || spin_cpu - m_previous->spin_cpu < 0.5))
    return std::nullopt;
  std::string text;
  for (const auto& r : why) text += (text.empty() ? "" : "; ") + r;
  if (advice.empty()) advice = children_advice;
  if (deadlock) return StuckWorld{"a deadlock: " + text, advice};
  return StuckWorld{fmt::format("{}; nothing in {} world can wake {}", text, procs.size() > 1 ? "their" : "its",
                                procs.size() > 1 ? "them" : "it"),
                    advice};
}

}  // namespace labgrade
