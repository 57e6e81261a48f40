// CheckWorld's network: a fresh port for a check, waiting until a server
// listens on it (its world's /proc/<pid>/net/tcp) or has registered with the
// world's rpcbind, and what a server holds (its sockets, its children not
// waited for). For labs with [world] loopback = true: 127.0.0.1 is the
// world's own.
#include <algorithm>
#include <chrono>
#include <random>
#include <vector>
#include <thread>

#include <fmt/format.h>

#include "labgrade/check.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/socket_inspector.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

unsigned CheckWorld::fresh_port() {
  // The world's network is its own: any port is free, and a random one
  // makes a hard-coded port fail.
  static std::mt19937 random{std::random_device{}()};
  return std::uniform_int_distribution<unsigned>(20000, 60999)(random);
}

Verdict CheckWorld::expect_listening(Run& server, unsigned port, std::chrono::duration<double> timeout) {
  ReplayJournal::current().note(fmt::format("waited until a program listened on 127.0.0.1:{}", port));
  const pid_t pid = server.process().pid();
  // Its own socket: a child of an earlier server may still hold the port's listener.
  auto listens = [&] { return server.process().finished() || holds_listener(pid, port); };
  server.await_until(listens, timeout);
  if (!server.process().finished() && holds_listener(pid, port)) return Verdict(std::nullopt);
  const std::string expected = fmt::format("{} to listen on 127.0.0.1:{} (its argv[1])", server.program().who(), port);
  if (server.process().finished()) {
    return Verdict(server.failure(expected, "it ended first: " + server.wait().describe()));
  }
  const auto others = listening_ports(pid);
  std::string got = listening_on(pid, port)
                        ? fmt::format("after {:g} s it does not listen on port {} itself: another process of its world "
                                      "(a child of an earlier server?) still does", timeout.count(), port)
                        : fmt::format("nothing listens on port {} after {:g} s", port, timeout.count());
  if (!others.empty()) {
    got += "; it listens on port";
    for (std::size_t i = 0; i < others.size(); ++i) got += fmt::format("{} {}", i == 0 ? "" : ",", others[i]);
    got += " instead: is the port hard-coded?";
  }
  return Verdict(server.failure(expected, got));
}

namespace {

// Whether `pid` holds a listening TCP socket (not rpcbind's).
bool holds_a_listener(pid_t pid) {
  for (unsigned port : listening_ports(pid)) {
    if (port != k_rpcbind_port && holds_listener(pid, port)) return true;
  }
  return false;
}

}  // namespace

Verdict CheckWorld::expect_rpc_registered(Run& server, unsigned long program, unsigned long version,
                                          std::chrono::duration<double> timeout) {
  ReplayJournal::current().note(fmt::format("waited until a program registered RPC program {:#x} version {} with rpcbind "
                                            "(rpcinfo -T tcp 127.0.0.1 {} {})", program, version, program, version));
  const pid_t pid = server.process().pid();
  const std::string rpcinfo_path = rpc_tool("rpcinfo");
  std::string said = "it never listened on a TCP port";
  auto last_ask = std::chrono::steady_clock::time_point{};
  // Asked only once it listens (svctcp_create comes before svc_register), then every 20 ms.
  auto registered = [&] {
    if (server.process().finished()) return true;
    if (!holds_a_listener(pid) || std::chrono::steady_clock::now() - last_ask < std::chrono::milliseconds(20)) return false;
    last_ask = std::chrono::steady_clock::now();
    SpawnOptions ask;
    ask.argv = {rpcinfo_path, "-T", "tcp", "127.0.0.1", std::to_string(program), std::to_string(version)};
    ask.time_limit = 2.0;
    auto rpcinfo = world().spawn(ask);
    if (rpcinfo->wait().exited_with(0)) return true;
    said = "rpcinfo said: " + rpcinfo->stderr_text() + rpcinfo->stdout_text();
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    return false;
  };
  if (server.await_until(registered, timeout) && !server.process().finished()) return Verdict(std::nullopt);
  const std::string expected = fmt::format("{} to register RPC program {:#x} version {} with rpcbind and answer over TCP",
                                           server.program().who(), program, version);
  if (server.process().finished()) return Verdict(server.failure(expected, "it ended first: " + server.wait().describe()));
  return Verdict(server.failure(expected, fmt::format("after {:g} s {}", timeout.count(), said)));
}

int CheckWorld::connections_held_by(Run& program) const { return open_connections(program.process().pid()); }

std::size_t CheckWorld::zombies_of(Run& program, std::chrono::duration<double> patience) const {
  const pid_t pid = program.process().pid();
  std::vector<pid_t> unreaped = zombie_children(pid);
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(patience);
  while (!unreaped.empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::vector<pid_t> now = zombie_children(pid);
    std::erase_if(unreaped, [&](pid_t child) { return std::find(now.begin(), now.end(), child) == now.end(); });
  }
  return unreaped.size();
}

}  // namespace labgrade
