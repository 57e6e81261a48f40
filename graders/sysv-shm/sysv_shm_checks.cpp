// The checks of the sysv-shm lab (labs.md). The programs are linked with the
// grader's clock shim ([clock] in lab.toml): a producer's sleep(10) is the
// moment to look at the segment, and the check wakes it when done.
#include <random>

#include <labgrade/check.hpp>

namespace {

using labgrade::CheckWorld;

class SysvShm : public labgrade::LabCheck {
 protected:
  static long key(const CheckWorld& world) { return world.ftok_key("SYSUOS", 42); }

  static std::vector<int> random_ints() {
    static std::random_device device;
    std::uniform_int_distribution<int> value(-99999, 99999);
    std::vector<int> out;
    for (int i = 0; i < 5; ++i) out.push_back(value(device));
    return out;
  }

  static std::string spaced(const std::vector<int>& values) {
    std::string out;
    for (int v : values) out += (out.empty() ? "" : " ") + std::to_string(v);
    return out;
  }
};

TEST_F(SysvShm, BothProgramsBuild) {
  expect_builds("sysvshm_producer");
  expect_builds("sysvshm_consumer");
}

TEST_F(SysvShm, ProducerCreatesSegment) {
  auto world = new_world();
  auto producer = world.run(student("sysvshm_producer"));
  producer.sleeps().hint("the producer must keep the segment while it sleeps: write 1..5, then sleep(10)");
  world.expect_sysv_segment(key(world))
      .hint("create it with shmget(ftok(\"SYSUOS\", 42), 5 * sizeof(int), 0666 | IPC_CREAT), before sleeping")
      .size(20)
      .hint("the size is 5 * sizeof(int) = 20 bytes")
      .mode(0666)
      .hint("pass the permissions 0666 (octal, with the leading 0) | IPC_CREAT")
      .holds_ints({1, 2, 3, 4, 5})
      .hint("write arr[i] = i + 1 for i = 0..4");
  producer.wake();
  producer.exits(0);
}

TEST_F(SysvShm, ProducerRemovesSegment) {
  auto world = new_world();
  auto producer = world.run(student("sysvshm_producer"));
  producer.wake();  // its sleep returns at once
  producer.exits(0);
  world.expect_no_sysv_segments();
}

TEST_F(SysvShm, ConsumerPrintsSegment) {
  auto world = new_world();
  const std::vector<int> values = random_ints();
  auto producer = world.run(reference("sysvshm_producer").args({"--values", std::to_string(values[0]),
                                                                std::to_string(values[1]), std::to_string(values[2]),
                                                                std::to_string(values[3]), std::to_string(values[4])}));
  producer.sleeps();
  world.run(student("sysvshm_consumer")).exits(0).stdout_has_line(spaced(values));
  producer.wake();
  producer.exits(0);
}

TEST_F(SysvShm, ConsumerLeavesSegment) {
  auto world = new_world();
  auto producer = world.run(reference("sysvshm_producer"));
  producer.sleeps();
  world.run(student("sysvshm_consumer")).exits(0);
  world.expect_sysv_segment(key(world)).attached(1);
  producer.wake();
  producer.exits(0);
}

TEST_F(SysvShm, ReferenceConsumerReadsProducer) {
  auto world = new_world();
  auto producer = world.run(student("sysvshm_producer"));
  producer.sleeps().hint("the producer must keep the segment while it sleeps: write 1..5, then sleep(10)");
  world.run(peer("sysvshm_consumer")).exits(0).stdout_has_line("1 2 3 4 5");
  producer.wake();
  producer.exits(0);
}

TEST_F(SysvShm, ConsumerWithoutSegmentFails) {
  auto world = new_world();
  world.run(student("sysvshm_consumer"))
      .fails()
      .stderr_not_empty()
      .hint("print why on stderr: perror(\"shmget\")");
  world.expect_no_sysv_segments().hint("the consumer must not create the segment: no IPC_CREAT in its shmget");
}

TEST_F(SysvShm, ConsumerDetaches) {
  auto world = new_world();
  auto producer = world.run(reference("sysvshm_producer"));
  producer.sleeps();
  world.run(student("sysvshm_consumer")).exits(0).called("shmdt");
  producer.wake();
  producer.exits(0);
}

TEST_F(SysvShm, ProducerDetaches) {
  auto world = new_world();
  auto producer = world.run(student("sysvshm_producer"));
  producer.sleeps().hint("the producer must keep the segment while it sleeps: write 1..5, then sleep(10)");
  producer.wake();
  producer.exits(0).called("shmdt");
}

}  // namespace
