// The checks of the rpc lab (labs.md): an ONC RPC server and client over
// the interface calc.x, built with the grader's own rpcgen stubs
// ([[build.generate]]), in a world with its own loopback and rpcbind
// ([world] rpcbind = true). A server is ready once rpcbind knows it (the
// grader asks with rpcinfo); clients are given "localhost".
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <labgrade/check.hpp>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;
using labgrade::CheckWorld;

constexpr unsigned long k_calc_prog = 0x31230001;  // calc.x: program CALC_PROG, version CALC_VERS
constexpr unsigned long k_calc_vers = 1;

// A conversation with a calc server: the lines a client reads and what it
// must print for them, the server's count of calls kept as it goes.
struct Conversation {
  std::string input;
  std::string output;
};

class Rpc : public labgrade::LabCheck {
 protected:
  // A server (the student's or the reference), registered with the world's rpcbind.
  labgrade::Run start_server(CheckWorld& world, labgrade::Program server) {
    auto run = world.run(std::move(server));
    world.expect_rpc_registered(run, k_calc_prog, k_calc_vers)
        .hint("calc_server is built from your calc_server.c with rpcgen's calc_svc.c, whose main() registers "
              "CALC_PROG with rpcbind and serves calls: calc_server.c must not define main(), and must not exit");
    return run;
  }

  // The reference client with a short timeout: a server that never answers fails in 2 s, not 25.
  labgrade::Program reference_client(const std::string& input) {
    return peer("calc_client").args({"--timeout", "2", "localhost"}).stdin_text(input);
  }

  // Every call the server serves is counted, from every client.
  void add(Conversation& c, long a, long b) {
    c.input += fmt::format("add {} {}\n", a, b);
    c.output += fmt::format("{} + {} = {}\n", a, b, a + b);
    ++m_calls;
  }
  void divide(Conversation& c, long a, long b) {
    c.input += fmt::format("div {} {}\n", a, b);
    c.output += b == 0 ? fmt::format("{} / {} = error\n", a, b) : fmt::format("{} / {} = {}\n", a, b, a / b);
    ++m_calls;
  }
  void upper(Conversation& c, const std::string& text) {
    c.input += "upper " + text + "\n";
    std::string up = text;
    for (char& ch : up) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    c.output += up + "\n";
    ++m_calls;
  }
  void count(Conversation& c) {
    c.input += "count\n";
    c.output += fmt::format("count = {}\n", ++m_calls);
  }

  long operand() { return m_random.between(-(1L << 30) + 1, (1L << 30) - 1); }
  long small() { return m_random.between(-1000, 1000); }
  // 1..255 bytes, spaces inside but never at either end; long ones often.
  std::string text() {
    const long length = m_random.between(0, 3) == 0 ? m_random.between(200, 255) : m_random.between(1, 60);
    return m_random.text(static_cast<std::size_t>(length));
  }

  // `calls` random requests of every kind.
  Conversation mixed(int calls) {
    Conversation c;
    for (int i = 0; i < calls; ++i) {
      switch (m_random.between(0, 5)) {
        case 0: add(c, operand(), operand()); break;
        case 1: divide(c, operand(), m_random.between(0, 1) ? small() : operand()); break;
        case 2: divide(c, small(), 0); break;
        case 3: upper(c, text()); break;
        case 4: count(c); break;
        default: add(c, small(), small()); break;
      }
    }
    return c;
  }

  long m_calls = 0;  // calls served by this check's server so far
  labgrade::data::Random m_random;
};

TEST_F(Rpc, BothProgramsBuild) {
  expect_builds("calc_server");
  expect_builds("calc_client");
}

TEST_F(Rpc, ServerAdds) {
  auto world = new_world();
  auto server = start_server(world, student("calc_server"));
  Conversation c;
  add(c, 2, 3);
  add(c, -7, 4);
  for (int i = 0; i < 20; ++i) add(c, operand(), operand());
  world.run(reference_client(c.input))
      .exits(0)
      .stdout_is(c.output)
      .hint("add_1_svc: `static int result; result = argp->a + argp->b; return &result;` (a local `int result` is gone "
            "when the function returns: gcc then returns NULL, and rpcgen's stub sends no reply at all)");
}

TEST_F(Rpc, ServerDividesAndReportsDivisionByZero) {
  auto world = new_world();
  auto server = start_server(world, student("calc_server"));
  Conversation c;
  divide(c, 7, 2);
  divide(c, -7, 2);
  divide(c, 7, -2);
  divide(c, 5, 0);
  divide(c, 9, 3);  // served after the error
  for (int i = 0; i < 15; ++i) divide(c, operand(), i % 4 == 0 ? 0 : (m_random.between(0, 1) ? small() : operand()));
  world.run(reference_client(c.input))
      .exits(0)
      .stdout_is(c.output)
      .hint("divide_1_svc: when argp->b == 0, set result.error = 1 and return without dividing (a division by zero "
            "kills the server with SIGFPE); otherwise error = 0 and div_result_u.quotient = a / b (C's / truncates "
            "toward zero: -7 / 2 is -3)");
  server.still_running().hint("the server must keep serving after a division by zero");
}

TEST_F(Rpc, ServerUppercasesTexts) {
  auto world = new_world();
  auto server = start_server(world, student("calc_server"));
  Conversation c;
  upper(c, "hello world");
  upper(c, "x");
  upper(c, m_random.text(255));
  for (int i = 0; i < 12; ++i) upper(c, text());
  upper(c, "already UPPER {and} [mixed] | 123 ~ `quoted`");
  world.run(reference_client(c.input))
      .exits(0)
      .stdout_is(c.output)
      .hint("upper_1_svc returns a pointer to a char * that points to storage still valid after it returns: a static "
            "char buffer[256] (or memory malloc'd and freed on the next call), never a local array; copy the whole "
            "text, up to 255 bytes and its '\\0', and change only 'a'..'z'");
}

TEST_F(Rpc, CountCountsEveryCall) {
  auto world = new_world();
  auto server = start_server(world, student("calc_server"));
  // A client stays connected while others come and go; errors count too.
  auto first = world.run(peer("calc_client").args({"--timeout", "2", "localhost"}).interactive());
  first.write_stdin("count\n");
  first.prints_next_line(fmt::format("count = {}", ++m_calls), 3s)
      .hint("COUNT returns how many calls the server has served, this one included: the first call is 1");
  for (int client = 0; client < 3; ++client) {
    Conversation c = mixed(8);
    divide(c, small(), 0);
    count(c);
    world.run(reference_client(c.input))
        .exits(0)
        .stdout_is(c.output)
        .hint("keep one static counter in calc_server.c and add 1 in every procedure (ADD, DIVIDE, UPPER and COUNT "
              "itself, a division by zero too), whichever client calls");
  }
  first.write_stdin("count\n");
  first.prints_next_line(fmt::format("count = {}", ++m_calls), 3s)
      .hint("every client's calls count, not only those of the client asking");
  first.close_stdin();
  first.exits(0);
}

TEST_F(Rpc, ClientPrintsEveryResult) {
  auto world = new_world();
  auto server = start_server(world, reference("calc_server"));
  Conversation before = mixed(5);  // the server has served others first
  world.run(reference_client(before.input)).exits(0).stdout_is(before.output);
  Conversation c;
  add(c, -5, 12);
  divide(c, -9, 2);
  divide(c, 4, 0);
  upper(c, "two words");
  count(c);
  Conversation rest = mixed(25);
  c.input += rest.input;
  c.output += rest.output;
  world.run(student("calc_client").args({"localhost"}).stdin_text(c.input)).exits(0).stdout_is(c.output);
}

TEST_F(Rpc, ClientWithoutServerFails) {
  auto world = new_world();  // rpcbind runs; no server registered
  world.run(student("calc_client").args({"localhost"}).stdin_text("add 1 2\n").time_limit(2500ms))
      .fails()
      .within(2s)
      .stderr_not_empty();
}

TEST_F(Rpc, TwoHundredCallsAnswered) {
  auto world = new_world();
  // Your server, 200 calls from one reference client.
  auto server = start_server(world, student("calc_server"));
  Conversation to_yours = mixed(200);
  world.run(reference_client(to_yours.input))
      .exits(0)
      .stdout_is(to_yours.output)
      .hint("every call is served the same way: nothing in calc_server.c may run out (a buffer filled call after call, "
            "memory never freed)");
  // Your client, 200 lines to the reference server.
  auto other = new_world();
  m_calls = 0;
  auto reference_server = start_server(other, reference("calc_server"));
  Conversation from_yours = mixed(200);
  other.run(student("calc_client").args({"localhost"}).stdin_text(from_yours.input))
      .exits(0)
      .stdout_is(from_yours.output)
      .hint("make one CLIENT with clnt_create before the loop and use it for every line; clnt_destroy it once at the "
            "end (a CLIENT made per line holds a socket each: the program runs out of descriptors)");
}

}  // namespace
