#include "labgrade/socket_inspector.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "labgrade/proc_files.hpp"

namespace labgrade {

namespace {

// "  0: 0100007F:1F90 00000000:0000 0A ..." : local port, remote port, state (hex).
void parse_tcp_table(const std::string& text, std::vector<TcpSocket>& out) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
    unsigned long inode = 0;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode)) continue;
    const auto port_of = [](const std::string& address) {
      const auto colon = address.rfind(':');
      return colon == std::string::npos ? 0u : static_cast<unsigned>(std::strtoul(address.c_str() + colon + 1, nullptr, 16));
    };
    out.push_back(TcpSocket{port_of(local), port_of(remote), static_cast<int>(std::strtol(state.c_str(), nullptr, 16)), inode});
  }
}

}  // namespace

std::vector<TcpSocket> tcp_sockets(pid_t pid) {
  std::vector<TcpSocket> sockets;
  for (const char* table : {"tcp", "tcp6"}) {
    if (auto text = read_proc_file(fmt::format("/proc/{}/net/{}", pid, table))) parse_tcp_table(*text, sockets);
  }
  return sockets;
}

bool listening_on(pid_t pid, unsigned port) {
  const auto sockets = tcp_sockets(pid);
  return std::any_of(sockets.begin(), sockets.end(), [&](const TcpSocket& s) { return s.listening() && s.local_port == port; });
}

std::vector<unsigned> listening_ports(pid_t pid) {
  std::vector<unsigned> ports;
  for (const TcpSocket& s : tcp_sockets(pid)) {
    if (s.listening() && std::find(ports.begin(), ports.end(), s.local_port) == ports.end()) ports.push_back(s.local_port);
  }
  std::sort(ports.begin(), ports.end());
  return ports;
}

namespace {

// The inodes of its descriptors that are sockets ("socket:[1234]"); nothing when it is gone.
std::optional<std::vector<unsigned long>> socket_inodes(pid_t pid) {
  const std::string dir = fmt::format("/proc/{}/fd", pid);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  std::vector<unsigned long> inodes;
  while (dirent* e = ::readdir(d)) {
    char target[64];
    const ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
    if (n > 8 && std::string(target, 8) == "socket:[") inodes.push_back(std::strtoul(target + 8, nullptr, 10));
  }
  ::closedir(d);
  return inodes;
}

}  // namespace

int open_sockets(pid_t pid) {
  auto inodes = socket_inodes(pid);
  return inodes ? static_cast<int>(inodes->size()) : -1;
}

bool holds_listener(pid_t pid, unsigned port) {
  auto inodes = socket_inodes(pid);
  if (!inodes) return false;
  for (const TcpSocket& s : tcp_sockets(pid)) {
    if (s.listening() && s.local_port == port && std::find(inodes->begin(), inodes->end(), s.inode) != inodes->end())
      return true;
  }
  return false;
}

int open_connections(pid_t pid) {
  auto inodes = socket_inodes(pid);
  if (!inodes) return -1;
  int count = 0;
  for (const TcpSocket& s : tcp_sockets(pid)) {
    if (!s.listening() && std::find(inodes->begin(), inodes->end(), s.inode) != inodes->end()) ++count;
  }
  return count;
}

std::vector<pid_t> zombie_children(pid_t pid) {
  std::vector<pid_t> zombies;
  auto children = read_proc_file(fmt::format("/proc/{}/task/{}/children", pid, pid));
  if (!children) return zombies;
  std::istringstream in(*children);
  for (pid_t child; in >> child;) {
    auto stat = read_proc_stat(fmt::format("/proc/{}/stat", child));
    if (stat && stat->state == 'Z') zombies.push_back(child);
  }
  return zombies;
}

}  // namespace labgrade
