#include "watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

// ---- CtrlC ---------------------------------------------------------------

namespace {

std::atomic<bool> g_pressed{false};
std::atomic<bool> g_grading{false};
std::atomic<int> g_pipe_write{-1};
struct sigaction g_previous {};

void on_interrupt(int) {
  if (g_pressed.exchange(true)) {  // the second: stop now
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
    return;
  }
  const int saved = errno;
  const char byte = 'c';
  ssize_t ignored = ::write(g_pipe_write.load(), &byte, 1);
  if (g_grading.load()) {
    const char note[] = "\nlabgrade: stopping once this grading ends (Ctrl-C again to stop now)\n";
    ignored = ::write(STDERR_FILENO, note, sizeof note - 1);
  }
  (void)ignored;
  errno = saved;
}

// The self-pipe the handler writes to: poll sees Ctrl-C without a race.
Pipe g_pipe;

}  // namespace

CtrlC::CtrlC() {
  g_pipe = Pipe::create();
  const int flags = ::fcntl(g_pipe.write.get(), F_GETFL);
  check_syscall(::fcntl(g_pipe.write.get(), F_SETFL, flags | O_NONBLOCK), "fcntl", "the Ctrl-C pipe, O_NONBLOCK");
  g_pipe_write = g_pipe.write.get();
  g_pressed = false;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // the grading's calls go on; poll in SourceWatch::wait returns
  check_syscall(::sigaction(SIGINT, &action, &g_previous), "sigaction", "SIGINT");
}

CtrlC::~CtrlC() {
  ::sigaction(SIGINT, &g_previous, nullptr);
  g_pipe_write = -1;
  g_pipe = Pipe{};
}

bool CtrlC::pressed() const noexcept { return g_pressed.load(); }

int CtrlC::fd() const noexcept { return g_pipe.read.get(); }

void CtrlC::grading(bool running) noexcept { g_grading = running; }

// ---- SourceWatch ---------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

// Saves closer together than this are one change (an editor's rename and
// write, "save all"); a stream of them is answered after k_longest.
constexpr auto k_quiet = std::chrono::milliseconds(200);
constexpr auto k_longest = std::chrono::seconds(2);

constexpr uint32_t k_changes = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;
constexpr uint32_t k_gone = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT;

}  // namespace

SourceWatch::SourceWatch(const LabSpec& lab, fs::path dir, const CtrlC& ctrl_c)
    : m_dir(std::move(dir)), m_ctrl_c(ctrl_c), m_inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (!m_inotify) throw SyscallError("inotify_init1", "IN_NONBLOCK | IN_CLOEXEC", errno);
  if (!fs::is_directory(m_dir)) throw UsageError(fmt::format("{}: no such submission directory", m_dir.string()));
  std::vector<std::string> subs = {""};
  for (const auto& program : lab.programs) {
    for (const auto& source : program.sources) {
      m_sources.push_back(fs::path(source).lexically_normal().string());
      const std::string sub = fs::path(source).lexically_normal().parent_path().string();
      if (std::find(subs.begin(), subs.end(), sub) == subs.end() && fs::is_directory(m_dir / sub)) subs.push_back(sub);
    }
  }
  for (const auto& sub : subs) {
    const fs::path folder = sub.empty() ? m_dir : m_dir / sub;
    const int wd = ::inotify_add_watch(m_inotify.get(), folder.c_str(), k_changes | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
    if (wd < 0) throw SyscallError("inotify_add_watch", fmt::format("\"{}\", IN_CLOSE_WRITE | IN_MOVED_TO | ...", folder.string()), errno);
    m_folders.push_back({wd, sub});
  }
}

bool SourceWatch::is_source(const std::string& sub, const std::string& name) const {
  const std::string path = sub.empty() ? name : sub + "/" + name;
  if (std::find(m_sources.begin(), m_sources.end(), path) != m_sources.end()) return true;
  // The submission's headers are compiled with its programs (builder.hpp).
  return sub.empty() && name.size() > 2 && name.ends_with(".h") && name.front() != '.';
}

bool SourceWatch::read_events(std::vector<std::string>& files) {
  alignas(inotify_event) std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = ::read(m_inotify.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) throw SyscallError("read", "the inotify descriptor", n == 0 ? EIO : errno);
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {  // too many to tell: something may have changed
        files.push_back("(many files)");
        continue;
      }
      auto folder = std::find_if(m_folders.begin(), m_folders.end(), [&](const Folder& f) { return f.wd == event->wd; });
      if (folder == m_folders.end()) continue;
      if ((event->mask & k_gone) && folder == m_folders.begin()) return false;
      if (event->len == 0 || !(event->mask & k_changes)) continue;
      const std::string name = event->name;
      if (is_source(folder->sub, name)) files.push_back(folder->sub.empty() ? name : folder->sub + "/" + name);
    }
  }
}

SourceWatch::Change SourceWatch::wait() {
  using What = Change::What;
  std::vector<std::string> files;
  std::array<pollfd, 2> fds{pollfd{m_inotify.get(), POLLIN, 0}, pollfd{m_ctrl_c.fd(), POLLIN, 0}};
  auto poll_for = [&](int timeout_ms) {
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      throw SyscallError("poll", "the inotify descriptor and the Ctrl-C pipe", errno);
    }
  };
  // The first change of a source.
  for (;;) {
    if (m_ctrl_c.pressed()) return {What::ctrl_c, {}};
    if (!read_events(files)) return {What::folder_gone, {}};
    if (!files.empty()) break;
    poll_for(-1);
  }
  // Then quiet: no other change of a source for k_quiet.
  const auto first = Clock::now();
  auto quiet_from = first + k_quiet;
  for (;;) {
    const auto now = Clock::now();
    if (now >= quiet_from || now - first >= k_longest) break;
    poll_for(static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(quiet_from - now).count()));
    if (m_ctrl_c.pressed()) return {What::ctrl_c, {}};
    const std::size_t before = files.size();
    if (!read_events(files)) return {What::folder_gone, {}};
    if (files.size() != before) quiet_from = Clock::now() + k_quiet;
  }
  // The folder's own removal may be told after its files' (IN_DELETE_SELF
  // waits while its dentry is busy): its files going is then the sign.
  if (!fs::is_directory(m_dir)) return {What::folder_gone, {}};
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return {What::saved, files};
}

}  // namespace labgrade
