// Looking at a world's TCP sockets and a program's descriptors and children
// from outside, while they run (the sockets lab's server: does it listen,
// how many client sockets does it hold, are its children reaped).
//
//   if (listening_on(server.process().pid(), port)) ...      // its world's /proc/<pid>/net/tcp
//   open_sockets(server.process().pid())                     // its descriptors that are sockets
//   zombie_children(server.process().pid())                  // its children that have ended, not waited for
//
// /proc/<pid>/net shows the network namespace of <pid>: a world's own, where
// it has one. Nothing here enters the world or runs anything in it.
#pragma once

#include <sys/types.h>

#include <vector>

namespace labgrade {

struct TcpSocket {
  unsigned local_port = 0;
  unsigned remote_port = 0;
  int state = 0;  // as the kernel numbers it: 1 established, 8 close-wait, 10 listen, ...
  unsigned long inode = 0;
  bool listening() const { return state == 10; }
};

/// The TCP sockets (IPv4 and IPv6) of the network namespace `pid` lives in.
std::vector<TcpSocket> tcp_sockets(pid_t pid);

/// Whether a socket of that namespace listens on `port`.
bool listening_on(pid_t pid, unsigned port);

/// Whether `pid` itself holds a socket that listens on `port` (not some
/// other process of its namespace, such as a child of an earlier server).
bool holds_listener(pid_t pid, unsigned port);

/// The ports that sockets of that namespace listen on, sorted.
std::vector<unsigned> listening_ports(pid_t pid);

/// How many of its descriptors are sockets (-1 when it is gone).
int open_sockets(pid_t pid);

/// How many of its descriptors are TCP connections (any TCP socket of its
/// namespace but a listening one: established, or closed by the other end
/// and not by it), -1 when it is gone.
int open_connections(pid_t pid);

/// Its children that have ended and were not waited for (host pids).
std::vector<pid_t> zombie_children(pid_t pid);

}  // namespace labgrade
