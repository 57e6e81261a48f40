// The checks of the fifo lab (labs.md). PATH is a fresh name in the world's
// working directory each run, so a program that ignores argv[1] fails.
#include <fcntl.h>

#include <fmt/format.h>
#include <labgrade/check.hpp>
#include <labgrade/unique_fd.hpp>

#include <cerrno>
#include <cstring>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;
using labgrade::CheckWorld;

class FifoLab : public labgrade::LabCheck {
 protected:
  std::string m_path = "fifo-" + nonce_hex(8);
  labgrade::data::Random m_random;

  std::string text() { return "hello through " + m_path + "\n" + m_random.text(40) + "\n"; }

  // Waits until PATH exists: the first program has made the FIFO.
  static void wait_for_path(CheckWorld& world, labgrade::Run& maker, const std::string& path) {
    const auto file = world.world().workdir_from_outside() / path;
    // Awaited: a maker that can never make it, asleep on another FIFO, is stopped.
    maker.await_until([&] { return std::filesystem::exists(std::filesystem::symlink_status(file)) || maker.process().finished(); },
                      3s);
    if (std::filesystem::exists(std::filesystem::symlink_status(file))) return;
    const bool ended = maker.process().finished();
    labgrade::fail_check(maker.failure(fmt::format("{} to create {} (its argv[1]) with mkfifo when it is missing", maker.program().who(), path),
                                       ended ? "it ended first: " + maker.wait().describe() : "nothing there after 3 s"));
  }
};

TEST_F(FifoLab, BothProgramsBuild) {
  expect_builds("fifo_writer");
  expect_builds("fifo_reader");
}

TEST_F(FifoLab, ReaderFirst) {
  auto world = new_world();
  const std::string data = text();
  auto reader = world.run(student("fifo_reader").args({m_path}));
  wait_for_path(world, reader, m_path);
  auto writer = world.run(student("fifo_writer").args({m_path}).stdin_text(data));
  writer.exits(0);
  reader.exits(0).stdout_is(data);
}

TEST_F(FifoLab, WriterFirst) {
  auto world = new_world();
  const std::string data = text();
  auto writer = world.run(student("fifo_writer").args({m_path}).stdin_text(data));
  wait_for_path(world, writer, m_path);
  auto reader = world.run(student("fifo_reader").args({m_path}));
  reader.exits(0).stdout_is(data);
  writer.exits(0);
}

TEST_F(FifoLab, BinaryDataArrives) {
  auto world = new_world();
  const std::string data = m_random.bytes(8 << 20);
  auto writer = world.run(student("fifo_writer").args({m_path}).stdin_text(data));
  wait_for_path(world, writer, m_path);
  auto reader = world.run(student("fifo_reader").args({m_path}));
  reader.exits(0).stdout_is(data);
  writer.exits(0);
}

TEST_F(FifoLab, PathIsFifoWhileInUse) {
  auto world = new_world();
  const std::string data = m_random.bytes(256 << 10);
  const std::size_t half = data.size() / 2;
  auto writer = world.run(peer("fifo_writer").args({m_path}).interactive());
  wait_for_path(world, writer, m_path);
  auto reader = world.run(student("fifo_reader").args({m_path}));
  writer.write_stdin(data.substr(0, half));
  // The reader has had the first half (its stdio flushes full buffers): the
  // transfer is under way, and the writer is paused with its stdin open.
  reader.process().wait_for_stdout([&](const std::string& out) { return out.size() >= half / 2; }, 3s);
  world.expect_fifo(m_path).hint("the reader must not unlink PATH before end of file, and PATH must come from mkfifo");
  writer.write_stdin(data.substr(half));
  writer.close_stdin();
  reader.exits(0).stdout_is(data);
  writer.exits(0);
}

TEST_F(FifoLab, ReaderRemovesFifo) {
  auto world = new_world();
  const std::string data = text();
  // The writer waits for the student's reader to open PATH: its fate is the student's.
  auto writer = world.run(peer("fifo_writer").args({m_path}).stdin_text(data));
  wait_for_path(world, writer, m_path);
  world.run(student("fifo_reader").args({m_path})).exits(0);
  world.expect_no_file(m_path);
  writer.exits(0).hint("your reader ended without reading PATH to its end: the writer found no reader");
}

TEST_F(FifoLab, WriterWithReferenceReader) {
  auto world = new_world();
  const std::string data = text() + m_random.text(200) + "\n";
  // The reference reader judges the student's writer: what it prints is the student's result.
  auto reader = world.run(peer("fifo_reader").args({m_path}));
  wait_for_path(world, reader, m_path);
  world.run(student("fifo_writer").args({m_path}).stdin_text(data)).exits(0);
  reader.exits(0).stdout_is(data);
}

TEST_F(FifoLab, ReaderWithReferenceWriter) {
  auto world = new_world();
  const std::string data = text() + m_random.text(200) + "\n";
  auto writer = world.run(peer("fifo_writer").args({m_path}).stdin_text(data));
  wait_for_path(world, writer, m_path);
  world.run(student("fifo_reader").args({m_path})).exits(0).stdout_is(data);
  writer.exits(0).hint("your reader ended without reading PATH to its end: the writer found no reader");
}

TEST_F(FifoLab, WriterLeavesPath) {
  auto world = new_world();
  auto writer = world.run(student("fifo_writer").args({m_path}).stdin_text(text()));
  wait_for_path(world, writer, m_path);
  // The grader reads the FIFO itself, and never removes PATH: whatever
  // removes it is the writer.
  const auto fifo = world.world().workdir_from_outside() / m_path;
  labgrade::UniqueFd reader(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!reader) {
    labgrade::fail_check({"to open " + m_path + " for reading", fmt::format("open: {}", std::strerror(errno)), "", true});
  }
  writer.exits(0);
  world.expect_fifo(m_path).hint("the writer must not unlink PATH: the reader removes it after end of file, and "
                                 "a reader that checks unlink's result fails if the writer got there first");
}

TEST_F(FifoLab, Usage) {
  auto world = new_world();
  for (const char* program : {"fifo_writer", "fifo_reader"}) {
    world.run(student(program).time_limit(2s))
        .exits(2)
        .hint(fmt::format("run without PATH, {} must print a usage message on stderr and exit(2): test argc "
                          "before you use argv[1]", program))
        .stderr_not_empty()
        .hint("print the usage message on stderr: fprintf(stderr, \"usage: %s PATH\\n\", argv[0])");
    world.run(student(program).args({m_path, m_path + "-2"}).time_limit(2s))
        .exits(2)
        .hint(fmt::format("run as `{} {} {}-2`, it must print a usage message on stderr and exit(2): "
                          "exactly one argument, so test argc != 2", program, m_path, m_path))
        .stderr_not_empty()
        .hint("print the usage message on stderr: fprintf(stderr, \"usage: %s PATH\\n\", argv[0])");
  }
}

TEST_F(FifoLab, BadPathReported) {
  auto world = new_world();
  const std::string path = "no-such-folder/" + m_path;  // mkfifo fails: ENOENT
  for (const char* program : {"fifo_writer", "fifo_reader"}) {
    world.run(student(program).args({path}).stdin_text(text()).time_limit(2s))
        .fails()
        .hint(fmt::format("run as `{} {}`, mkfifo fails with ENOENT (the folder does not exist): when it fails "
                          "with anything but EEXIST, perror(\"mkfifo\") and exit(1)", program, path))
        .stderr_not_empty()
        .hint("print the error on stderr (perror or fprintf(stderr, ...)), not on stdout");
  }
}

}  // namespace
