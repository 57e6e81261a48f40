// The checks of the sockets lab (labs.md): a TCP server and client on the
// world's own loopback ([world] loopback = true). Every check picks a fresh
// port and passes it as argv[1]; the grader waits until the server listens
// (the world's /proc/<pid>/net/tcp), so the server need print nothing.
#include <signal.h>

#include <cctype>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <labgrade/check.hpp>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;
using labgrade::CheckWorld;

// What the server must answer: the same bytes, ASCII lowercase made uppercase.
std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

class Sockets : public labgrade::LabCheck {
 protected:
  // `count` random lines of printable ASCII with spaces, each ending in '\n'.
  std::string random_lines(int count, std::size_t longest = 80) {
    std::string lines;
    for (int i = 0; i < count; ++i) {
      lines += m_random.text(static_cast<std::size_t>(m_random.between(1, static_cast<long>(longest)))) + " " +
               nonce_hex(8) + "\n";
    }
    return lines;
  }

  // The student's server on a fresh port, listening.
  labgrade::Run start_server(CheckWorld& world, unsigned port) {
    auto server = world.run(student("sock_server").args({std::to_string(port)}));
    world.expect_listening(server, port).hint(
        "socket(AF_INET, SOCK_STREAM, 0), setsockopt(SO_REUSEADDR), bind to 127.0.0.1 and the PORT of argv[1] "
        "(htons(atoi(argv[1]))), then listen");
    return server;
  }

  // One reference client's whole conversation with the server: its lines
  // come back upper-cased. `chunk`: it sends each line in pieces of at most
  // this many bytes, 10 ms apart (0: at once).
  void expect_served(CheckWorld& world, unsigned port, const std::string& lines, const std::string& hint, int chunk = 0) {
    std::vector<std::string> args = {std::to_string(port)};
    if (chunk > 0) args = {"--chunk", std::to_string(chunk), std::to_string(port)};
    auto client = world.run(peer("sock_client").args(args).stdin_text(lines));
    if (hint.empty()) client.exits(0).stdout_is(upper(lines));
    else client.exits(0).stdout_is(upper(lines)).hint(hint);
  }

  // A reference client, connected and served once, then idle: its input stays open.
  labgrade::Run idle_client(CheckWorld& world, unsigned port) {
    auto client = world.run(peer("sock_client").args({std::to_string(port)}).interactive());
    const std::string hello = "hello " + nonce_hex(8);
    client.write_stdin(hello + "\n");
    client.prints_line(upper(hello), 3s).hint("a connected client's first line must come back at once");
    return client;
  }

  labgrade::data::Random m_random;
};

TEST_F(Sockets, BothProgramsBuild) {
  expect_builds("sock_server");
  expect_builds("sock_client");
}

TEST_F(Sockets, ServerUppercasesLines) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto server = start_server(world, port);
  expect_served(world, port, random_lines(20),
                "for each line read (up to and including '\\n'), write back the same bytes with 'a'..'z' made uppercase");
}

TEST_F(Sockets, LongLineComesBackWhole) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto server = start_server(world, port);
  const std::string line = m_random.text(65535) + "\n";  // 64 KiB with its newline
  expect_served(world, port, line,
                "a 64 KiB line arrives in several read()s (here in pieces of 4 KiB) and its reply needs several write()s: "
                "keep reading until the '\\n', and loop on write() until every byte is sent (it may write fewer bytes than asked)",
                4096);
}

TEST_F(Sockets, ServerKeepsAccepting) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto server = start_server(world, port);
  for (int client = 1; client <= 3; ++client) {
    expect_served(world, port, random_lines(3),
                  fmt::format("client {} of 3, one after another: accept() in a loop, and go back to accept after each client", client));
  }
}

TEST_F(Sockets, ServesClientsConcurrently) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto server = start_server(world, port);
  auto idle = idle_client(world, port);
  // A second client talks meanwhile.
  const std::string lines = random_lines(3);
  world.run(peer("sock_client").args({std::to_string(port)}).stdin_text(lines).time_limit(3s))
      .exits(0)
      .stdout_is(upper(lines))
      .hint("while one client is connected and idle, another must be served: fork() a child per client (or a thread, "
            "or poll/select over every socket); a server that serves one client until it leaves keeps the second waiting");
  idle.close_stdin();
  idle.exits(0);
}

TEST_F(Sockets, NoZombiesNoLeakedSockets) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto server = start_server(world, port);
  for (int client = 1; client <= 5; ++client) expect_served(world, port, random_lines(2), "");
  // Its children (if it forks) have ended; give it a moment to reap them and close what it holds.
  CheckWorld::wait_until([&] { return world.zombies_of(server, 0s) == 0 && world.connections_held_by(server) == 0; }, 2s);
  if (server.process().finished()) {
    labgrade::fail_check(server.failure("your sock_server to keep running after 5 clients came and went",
                                        "it ended: " + server.wait().describe()));
  }
  if (const std::size_t zombies = world.zombies_of(server); zombies > 0) {
    labgrade::fail_check(server.failure(
        "after 5 clients came and went, your sock_server to have waited for every child it forked",
        fmt::format("{} child{} ended but {} never waited for (zombie{})", zombies, zombies == 1 ? "" : "ren",
                    zombies == 1 ? "was" : "were", zombies == 1 ? "" : "s")));
  }
  if (const int held = world.connections_held_by(server); held > 0) {
    labgrade::fail_check(server.failure(
        "after 5 clients came and went, your sock_server to hold no client's socket",
        fmt::format("it still holds {} client socket{}: the parent keeps its copy of each accepted socket", held,
                    held == 1 ? "" : "s")));
  }
}

TEST_F(Sockets, SigtermEndsServerAndPortReusable) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto server = start_server(world, port);
  auto client = idle_client(world, port);
  server.signal(SIGTERM);
  server.exits(0).within(2s).hint("on SIGTERM the server exits with status 0: a handler that calls _exit(0) (exit is not safe in a handler), or sets a flag that ends the accept loop");
  auto again = start_server(world, port);
  client.close_stdin();
}

TEST_F(Sockets, ClientPrintsEveryReply) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  // Each reply in two pieces: the client must read until the reply's '\n'.
  auto server = world.run(reference("sock_server").args({"--split", std::to_string(port)}));
  world.expect_listening(server, port);
  // Short lines and long ones (up to the contract's 4 KiB, newline included).
  std::string lines = random_lines(10);
  for (int i = 0; i < 3; ++i) lines += m_random.text(static_cast<std::size_t>(m_random.between(2000, 4000))) + "\n";
  lines += random_lines(10);
  world.run(student("sock_client").args({std::to_string(port)}).stdin_text(lines)).exits(0).stdout_is(upper(lines));
}

TEST_F(Sockets, ClientWithoutServerFails) {
  auto world = new_world();
  world.run(student("sock_client").args({std::to_string(CheckWorld::fresh_port())}).stdin_text("hello\n").time_limit(2s))
      .fails()
      .within(1s)
      .stderr_not_empty();
}

TEST_F(Sockets, Usage) {
  expect_rejects_bad_count("sock_server", "usage: %s PORT", "PORT");
  expect_rejects_bad_count("sock_client", "usage: %s PORT", "PORT");
}

TEST_F(Sockets, PortInUseReported) {
  auto world = new_world();
  const unsigned port = CheckWorld::fresh_port();
  auto first = world.run(reference("sock_server").args({std::to_string(port)}));
  world.expect_listening(first, port);
  world.run(student("sock_server").args({std::to_string(port)}).time_limit(2s))
      .fails()
      .hint(fmt::format("run as `sock_server {}` while another server listens on that port, bind() fails with "
                        "EADDRINUSE: perror(\"bind\") and exit(1)", port))
      .stderr_not_empty();
}

}  // namespace
