// The checks of the signals lab (labs.md). The grader sends one signal at a
// time and waits for the line it must bring (the contract says each is
// flushed), so no check depends on a sleep for ordering.
#include <signal.h>

#include <thread>

#include <fmt/format.h>
#include <labgrade/check.hpp>

namespace {

using namespace std::chrono_literals;

constexpr auto k_line_deadline = 2s;

class SignalsLab : public labgrade::LabCheck {
 protected:
  // Starts the program and waits for its "ready".
  labgrade::Run start(labgrade::CheckWorld& world) {
    auto program = world.run(student("signals"));
    program.prints_next_line("ready", k_line_deadline);
    return program;
  }

  static void usr1(labgrade::Run& program, int n) {
    program.signal(SIGUSR1);
    program.prints_next_line(fmt::format("SIGUSR1 {}", n), k_line_deadline);
  }
};

TEST_F(SignalsLab, Builds) { expect_builds("signals"); }

TEST_F(SignalsLab, PrintsReady) {
  auto world = new_world();
  auto program = start(world);
  program.kill();
}

TEST_F(SignalsLab, CountsSigusr1) {
  auto world = new_world();
  auto program = start(world);
  for (int n = 1; n <= 5; ++n) usr1(program, n);
  program.kill();
}

TEST_F(SignalsLab, IgnoresSigint) {
  auto world = new_world();
  auto program = start(world);
  program.signal(SIGINT);
  // SIGINT (2) is delivered before SIGUSR1 (10): the answer to SIGUSR1 shows it survived.
  usr1(program, 1);
  program.still_running();
  program.kill();
}

TEST_F(SignalsLab, SigtermEndsWithCount) {
  {  // three SIGUSR1s, then SIGTERM
    auto world = new_world();
    auto program = start(world);
    for (int n = 1; n <= 3; ++n) usr1(program, n);
    program.signal(SIGTERM);
    program.exits(0).stdout_has_line("bye 3");
  }
  {  // SIGTERM before any SIGUSR1
    auto world = new_world();
    auto program = start(world);
    program.signal(SIGTERM);
    program.exits(0).stdout_has_line("bye 0").hint("with no SIGUSR1 before SIGTERM, the count is 0: print \"bye 0\"");
  }
}

TEST_F(SignalsLab, SleepsWhileIdle) {
  auto world = new_world();
  auto program = start(world);
  const double before = program.cpu_seconds();
  std::this_thread::sleep_for(1s);  // the idle second being measured, not a wait for an event
  const double used = program.cpu_seconds() - before;
  program.still_running();
  if (used >= 0.050) {
    labgrade::fail_check({"your signals to use under 50 ms of CPU in one idle second",
                          fmt::format("it used {:.0f} ms: it spins instead of sleeping", used * 1000), "", false});
  }
  program.kill();
}

TEST_F(SignalsLab, PrintsOnlyItsLines) {
  auto world = new_world();
  auto program = start(world);
  usr1(program, 1);
  program.signal(SIGINT);
  usr1(program, 2);
  program.signal(SIGTERM);
  program.exits(0);
  const std::string expected = "ready\nSIGUSR1 1\nSIGUSR1 2\nbye 2\n";
  std::string printed = program.stdout_text(), lines;
  for (std::size_t at = 0; at < printed.size();) {  // each line without its trailing blanks
    std::size_t end = std::min(printed.find('\n', at), printed.size());
    std::string line = printed.substr(at, end - at);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    lines += line + "\n";
    at = end + 1;
  }
  if (lines != expected) {
    labgrade::fail_check({"after SIGUSR1, SIGINT, SIGUSR1 and SIGTERM, your signals to print exactly the lines "
                          "ready, SIGUSR1 1, SIGUSR1 2 and bye 2 on stdout",
                          "its stdout: " + labgrade::c_literal(printed, 300), "", false});
  }
}

}  // namespace
