// The checks of the posix-shm lab (labs.md): each one a short story, in the
// student's terms. Points, titles and default hints live in labs/posix-shm/lab.toml.
#include <regex>
#include <sstream>

#include <labgrade/check.hpp>

namespace {

using namespace std::chrono_literals;

const std::string k_message = std::string("Hello, World!\n") + '\0';

class PosixShm : public labgrade::LabCheck {
 protected:
  // A line "ptr addr: <pointer>" (%p, or the address in hex some other way):
  // a pointer is printed; its value differs between runs and is never checked.
  static void expect_pointer_line(labgrade::Run& program) {
    static const std::regex pointer_line(R"(ptr addr: *(0[xX])?[0-9a-fA-F]+|ptr addr: *\(nil\))");
    std::istringstream out(program.stdout_text());
    for (std::string line; std::getline(out, line);) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
      if (std::regex_match(line, pointer_line)) return;
    }
    labgrade::fail_check({program.program().who() + " to print the line \"ptr addr: <pointer>\"",
                          "its stdout: " + labgrade::c_literal(program.stdout_text()),
                          "print the mapping's address once it is mapped: printf(\"ptr addr: %p\\n\", ptr)", false});
  }
};

TEST_F(PosixShm, BothProgramsBuild) {
  expect_builds("shm_producer");
  expect_builds("shm_consumer");
}

TEST_F(PosixShm, ProducerCreatesObject) {
  auto world = new_world();
  world.run(student("shm_producer")).exits(0);
  world.expect_shm_object("SYSUOS")
      .hint("create it with shm_open(\"SYSUOS\", O_CREAT | O_RDWR, 0666), and do not shm_unlink it in the producer");
  world.expect_shm_object("SYSUOS").size(4096).hint("set the size with ftruncate(fd, 4096)");
  world.expect_shm_object("SYSUOS").owner_can_read_write().hint("pass the mode 0666 (octal: with the leading 0)");
}

TEST_F(PosixShm, ProducerWritesMessage) {
  auto world = new_world();
  world.run(student("shm_producer")).exits(0);
  world.expect_shm_object("SYSUOS").starts_with(k_message);
}

TEST_F(PosixShm, ObjectOutlivesProducer) {
  auto world = new_world();
  world.run(student("shm_producer")).exits(0);
  world.expect_shm_object("SYSUOS");
}

TEST_F(PosixShm, ConsumerPrintsStoredMessage) {
  auto world = new_world();
  const std::string message = "Hello, " + nonce_hex(16) + "!";
  world.run(reference("shm_producer").args({"--message", message + "\n"})).exits(0);
  world.run(student("shm_consumer")).exits(0).stdout_has_line("Read ptr: " + message);
}

TEST_F(PosixShm, ConsumerRemovesObject) {
  auto world = new_world();
  world.run(reference("shm_producer")).exits(0);
  world.run(student("shm_consumer")).exits(0);
  world.expect_shm_empty();
}

TEST_F(PosixShm, ConsumerWithoutObjectFails) {
  auto world = new_world();
  world.run(student("shm_consumer"))
      .fails()
      .hint("when shm_open returns -1, print why on stderr (perror) and exit(1): don't go on with fd == -1")
      .stderr_not_empty()
      .hint("print the error on stderr (perror or fprintf(stderr, ...)), not on stdout");
  world.expect_shm_empty().hint("open with O_RDONLY only: O_CREAT in the consumer creates an empty object");
}

TEST_F(PosixShm, ReferenceConsumerReadsProducer) {
  auto world = new_world();
  world.run(student("shm_producer")).exits(0);
  world.run(peer("shm_consumer")).exits(0).stdout_has("Read ptr: Hello, World!\n");
}

TEST_F(PosixShm, EndToEnd) {
  auto world = new_world();
  world.run(student("shm_producer")).exits(0);
  world.run(student("shm_consumer")).exits(0).stdout_has_line("Read ptr: Hello, World!");
  world.expect_shm_empty().hint("the consumer must shm_unlink the object once it has read it");
}

TEST_F(PosixShm, ProgramsPrintPointer) {
  {
    auto world = new_world();
    auto producer = world.run(student("shm_producer"));
    producer.exits(0);
    expect_pointer_line(producer);
  }
  {
    auto world = new_world();
    world.run(reference("shm_producer")).exits(0);
    auto consumer = world.run(student("shm_consumer"));
    consumer.exits(0);
    expect_pointer_line(consumer);
  }
}

}  // namespace
