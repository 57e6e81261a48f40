// The checks of the pipe lab (labs.md). The program runs in its own world,
// whose pid namespace tells how many processes it made and whether any was
// left to the world's init.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <labgrade/check.hpp>
#include <labgrade/proc_files.hpp>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;

// The pipes a process holds, as "pipe:[inode]" → how it holds them.
struct PipeEnds {
  std::set<std::string> pipes;
  std::map<std::string, std::vector<std::string>> ends;  // "fd 3 (read end)"
  std::set<std::string> read, written;
};

PipeEnds pipe_ends(pid_t pid) {
  namespace fs = std::filesystem;
  PipeEnds held;
  std::error_code error;
  const std::string folder = fmt::format("/proc/{}/fd", pid);
  fs::directory_iterator listing(folder, error);
  if (error && error != std::errc::no_such_file_or_directory) {
    labgrade::fail_check({"to read " + folder, error.message(), "", true});  // the grader may not look: ours to fix
  }
  for (const auto& entry : listing) {
    std::error_code gone;
    const std::string target = fs::read_symlink(entry.path(), gone).string();
    if (gone || !target.starts_with("pipe:")) continue;
    const std::string fd = entry.path().filename().string();
    auto info = labgrade::read_proc_file(fmt::format("/proc/{}/fdinfo/{}", pid, fd));
    const auto at = info ? info->find("flags:") : std::string::npos;
    if (at == std::string::npos) continue;
    const long flags = std::strtol(info->c_str() + at + 6, nullptr, 8);
    const bool reads = (flags & O_ACCMODE) != O_WRONLY, writes = (flags & O_ACCMODE) != O_RDONLY;
    held.pipes.insert(target);
    if (reads) held.read.insert(target);
    if (writes) held.written.insert(target);
    held.ends[target].push_back(fmt::format("fd {} ({})", fd, reads && writes ? "both ends" : reads ? "read end" : "write end"));
  }
  return held;
}

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

TEST_F(PipeLab, ParentClosesReadEnd) {
  auto world = new_world();
  auto program = world.run(student("pipe").interactive());  // its input stays open: the parent is in its copy loop
  program.write_stdin("hello, pipe\n");
  // The pipe of the program's own is one the grader does not hold (the
  // grader holds the other ends of its stdin, stdout and stderr).
  const std::set<std::string> graders = pipe_ends(::getpid()).pipes;
  std::string holds = "no pipe of its own";
  const bool only_writes = labgrade::CheckWorld::wait_until([&] {
    const PipeEnds parent = pipe_ends(program.process().pid());
    bool writes = false, reads = false;
    holds.clear();
    for (const auto& [pipe, ends] : parent.ends) {
      if (graders.contains(pipe)) continue;
      writes = writes || parent.written.contains(pipe);
      reads = reads || parent.read.contains(pipe);
      for (const auto& end : ends) holds += (holds.empty() ? "" : ", ") + end;
    }
    if (holds.empty()) holds = "no pipe of its own";
    return (writes && !reads) || program.process().finished();
  }, 2s) && !program.process().finished();
  if (!only_writes) {
    labgrade::fail_check({"your pipe's parent, while it copies its input into the pipe, to hold only the pipe's write end "
                          "(close(fd[0]) after fork)",
                          program.process().finished() ? fmt::format("it {} before its input had ended", program.wait().describe())
                                                       : fmt::format("2 s after it started, with its input still open, the parent holds {}", holds),
                          "", false});
  }
  program.close_stdin();
  program.exits(0).stdout_is("hello, pipe\n");
}

}  // namespace
