#include "labgrade/deadlock_watch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "labgrade/proc_files.hpp"

namespace labgrade {

namespace {

// A pipe: the device and inode its descriptors lead to.
using PipeId = std::pair<dev_t, ino_t>;

struct PipeEnd {
  PipeId pipe;
  int access = O_RDONLY;  // O_RDONLY, O_WRONLY or O_RDWR
};

// What one thread waits for; `kind` none: nothing a deadlock can be made of.
struct Wait {
  enum Kind { none, read_pipe, write_pipe, children } kind = none;
  PipeId pipe{};
};

struct Proc {
  int pid = 0;  // in the world's pid namespace
  int ppid = 0;
  std::string name;
  bool handlers = false;           // some signal is caught
  std::vector<Wait> waits;         // one a thread
  std::map<int, PipeEnd> pipes;    // its descriptors that are pipes
  std::string fingerprint;         // its threads' calls and run times
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

// The pipes among a process's descriptors, with how each is open. Only
// pipes made by pipe(): nobody can open one later, so who holds its ends is
// known for good. A FIFO has a name, and a program the check starts next may
// open it: a world waiting on one may be about to move.
std::map<int, PipeEnd> pipe_ends(const std::string& proc_dir) {
  std::map<int, PipeEnd> ends;
  for (int fd : numeric_entries(proc_dir + "/fd")) {
    const std::string link = fmt::format("{}/fd/{}", proc_dir, fd);
    char target[64];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n < 6 || std::string_view(target, 6) != "pipe:[") continue;
    struct stat st {};
    if (::stat(link.c_str(), &st) != 0 || !S_ISFIFO(st.st_mode)) continue;
    auto info = read_proc_file(fmt::format("{}/fdinfo/{}", proc_dir, fd));
    if (!info) continue;
    const std::string flags = status_field(*info, "flags");
    if (flags.empty()) continue;
    ends[fd] = PipeEnd{{st.st_dev, st.st_ino}, static_cast<int>(std::strtol(flags.c_str(), nullptr, 8) & O_ACCMODE)};
  }
  return ends;
}

// What a sleeping thread waits for, from /proc/.../syscall ("0 0x3 ..." for
// read(3, ...)); none for anything a deadlock of pipes and children is not
// made of (a FIFO among them).
Wait wait_of(const std::string& syscall_line, const std::map<int, PipeEnd>& pipes) {
  std::istringstream in(syscall_line);
  long number = -1;
  std::string arg0;
  if (!(in >> number >> arg0)) return {};
  if (number == SYS_wait4 || number == SYS_waitid) return {Wait::children, {}};
  const bool reading = number == SYS_read || number == SYS_readv;
  const bool writing = number == SYS_write || number == SYS_writev;
  if (!reading && !writing) return {};
  auto it = pipes.find(static_cast<int>(std::strtol(arg0.c_str(), nullptr, 16)));
  if (it == pipes.end()) return {};
  return {reading ? Wait::read_pipe : Wait::write_pipe, it->second.pipe};
}

// A process of the world as it is now; nothing when it cannot be part of a
// deadlock (a thread running, in another call, a handler installed...).
// `zombie` is set for a process that has ended.
std::optional<Proc> read_proc(const std::string& proc_root, int pid, bool& zombie) {
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
  p.name = arg0.empty() ? status_field(*status, "Name") : arg0.substr(arg0.rfind('/') + 1);
  p.ppid = std::atoi(status_field(*status, "PPid").c_str());
  if (status_field(*status, "State").rfind("Z", 0) == 0) {
    zombie = true;
    return std::nullopt;
  }
  p.handlers = std::strtoull(status_field(*status, "SigCgt").c_str(), nullptr, 16) != 0;
  if (p.handlers) return std::nullopt;
  p.pipes = pipe_ends(dir);
  for (int tid : numeric_entries(dir + "/task")) {
    const std::string task = fmt::format("{}/task/{}", dir, tid);
    auto stat = read_proc_stat(task + "/stat");
    auto syscall = read_proc_file(task + "/syscall");
    auto runtime = read_proc_file(task + "/schedstat");
    if (!stat || !syscall || !runtime || stat->state != 'S') return std::nullopt;
    Wait w = wait_of(*syscall, p.pipes);
    if (w.kind == Wait::none) return std::nullopt;
    p.waits.push_back(w);
    p.fingerprint += fmt::format("{}:{}:{}|", tid, syscall->substr(0, syscall->find('\n')),
                                 runtime->substr(0, runtime->find(' ')));
  }
  if (p.waits.empty()) return std::nullopt;
  return p;
}

// The pipes the grader (this process) has open: it may still use them.
std::set<PipeId> grader_pipes() {
  std::set<PipeId> ids;
  for (const auto& [fd, end] : pipe_ends("/proc/self")) ids.insert(end.pipe);
  return ids;
}

std::string who(const Proc& p) { return fmt::format("{} (pid {})", p.name, p.pid); }

// "pipe (pid 3) and pipe (pid 2)"
std::string names(const std::vector<const Proc*>& procs) {
  std::string text;
  for (std::size_t i = 0; i < procs.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == procs.size() ? " and " : ", ") + who(*procs[i]);
  }
  return text;
}

}  // namespace

std::optional<std::string> DeadlockWatch::look() {
  const std::string proc_root = fmt::format("/proc/{}/root/proc", m_init_pid);
  std::vector<Proc> procs;
  for (int pid : numeric_entries(proc_root)) {
    if (pid == 1) continue;  // our init
    bool zombie = false;
    auto p = read_proc(proc_root, pid, zombie);
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
  // Every process is asleep in a call of a deadlock's kind; each waits only
  // on processes of the world (who are all asleep) and never on the grader.
  std::vector<std::string> why;
  for (const auto& p : procs) {
    std::set<std::string> reasons;
    for (const Wait& w : p.waits) {
      if (w.kind == Wait::children) {
        std::vector<const Proc*> children;
        for (const auto& c : procs) {
          if (c.ppid == p.pid) children.push_back(&c);
        }
        if (children.empty()) {  // its children are not all asleep in the world
          m_previous.reset();
          return std::nullopt;
        }
        reasons.insert(fmt::format("{} waits for its child{} {}", who(p), children.size() > 1 ? "ren" : "", names(children)));
        continue;
      }
      const bool reading = w.kind == Wait::read_pipe;
      if (graders.count(w.pipe) != 0) {
        m_previous.reset();
        return std::nullopt;
      }
      auto others = holders(w.pipe, reading);
      if (others.empty()) {  // the call is about to return (end of file, EPIPE)
        m_previous.reset();
        return std::nullopt;
      }
      reasons.insert(fmt::format("{} waits to {} a pipe whose {} end is open only in {}", who(p),
                                 reading ? "read from" : "write to", reading ? "write" : "read", names(others)));
    }
    for (const auto& r : reasons) why.push_back(r);
  }
  std::string fingerprint;
  for (const auto& p : procs) fingerprint += p.fingerprint;
  const bool confirmed = m_previous && *m_previous == fingerprint;
  m_previous = fingerprint;
  if (!confirmed) return std::nullopt;
  std::string text;
  for (const auto& r : why) text += (text.empty() ? "" : "; ") + r;
  return text;
}

}  // namespace labgrade
