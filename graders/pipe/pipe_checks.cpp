// The checks of the pipe lab (labs.md). The program runs in its own world,
// whose pid namespace tells how many processes it made and whether any was
// left to the world's init.
#include <fmt/format.h>
#include <labgrade/check.hpp>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;

class PipeLab : public labgrade::LabCheck {
 protected:
  std::string short_text() { return "hello, pipe " + nonce_hex(8) + "\nsecond line\twith a tab\n"; }

  // The program made a child at all (a program that does nothing must not
  // pass the checks about its child).
  static void expect_a_child(labgrade::CheckWorld& world, const labgrade::Run& program) {
    if (world.processes_created_by(program) >= 1) return;
    labgrade::fail_check({"your pipe to fork a child that reads the pipe", "it made no process: no fork()", "", false});
  }
};

TEST_F(PipeLab, Builds) { expect_builds("pipe"); }

TEST_F(PipeLab, ShortTextArrives) {
  auto world = new_world();
  const std::string text = short_text();
  world.run(student("pipe").stdin_text(text)).exits(0).stdout_is(text);
}

TEST_F(PipeLab, BinaryDataArrives) {
  auto world = new_world();
  const std::string data = labgrade::data::Random().bytes(8 << 20);
  world.run(student("pipe").stdin_text(data)).exits(0).stdout_is(data);
}

TEST_F(PipeLab, EmptyInputGivesEmptyOutput) {
  auto world = new_world();
  auto program = world.run(student("pipe").stdin_text(""));
  program.exits(0).stdout_is("");
  expect_a_child(world, program);
}

TEST_F(PipeLab, UnusedEndsClosed) {
  auto world = new_world();
  const std::string text = short_text();
  auto program = world.run(student("pipe").stdin_text(text).time_limit(2s));
  program.exits(0).stdout_is(text);
  expect_a_child(world, program);
}

TEST_F(PipeLab, ParentWaitsForChild) {
  auto world = new_world();
  auto program = world.run(student("pipe").stdin_text(short_text()));
  program.exits(0);
  expect_a_child(world, program);
  world.expect_no_orphans();
}

TEST_F(PipeLab, ExactlyOneChild) {
  auto world = new_world();
  auto program = world.run(student("pipe").stdin_text(short_text()));
  program.exits(0);
  const int made = world.processes_created_by(program);
  if (made != 1) {
    labgrade::fail_check({"your pipe to fork exactly one child",
                          made == 0 ? "it made no process: no fork()"
                                    : fmt::format("it made {} processes (fork, system() and popen() each make one or more)", made),
                          "", false});
  }
}

}  // namespace
