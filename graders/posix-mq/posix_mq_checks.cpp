// The checks of the posix-mq lab (labs.md). The grader reads the queue's
// attributes and message count from inside the world (mq_getattr).
#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <labgrade/check.hpp>
#include <labgrade/proc_files.hpp>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;
using labgrade::CheckWorld;

const char* const k_queue = "/SYSUOS_mq";

struct Message {
  int priority;
  std::string text;
};

std::string input_lines(const std::vector<Message>& messages) {
  std::string out;
  for (const auto& m : messages) out += fmt::format("{} {}\n", m.priority, m.text);
  return out;
}

// What a consumer prints once all of `sent` is queued: highest priority
// first, equal priorities in the order sent.
std::string received_in_order(std::vector<Message> sent) {
  std::stable_sort(sent.begin(), sent.end(), [](const Message& a, const Message& b) { return a.priority > b.priority; });
  return input_lines(sent);
}

class PosixMq : public labgrade::LabCheck {
 protected:
  labgrade::data::Random m_random;

  std::vector<Message> mixed_messages(std::size_t count, int max_priority = 31) {
    std::vector<Message> out;
    for (std::size_t i = 0; i < count; ++i) {
      out.push_back({static_cast<int>(m_random.between(0, max_priority)),
                     m_random.text(static_cast<std::size_t>(m_random.between(1, 60)))});
    }
    // Some equal priorities, so that their order shows.
    if (count >= 4) out[2].priority = out[0].priority, out[3].priority = out[0].priority;
    return out;
  }

  std::vector<Message> same_priority(std::size_t count, std::size_t max_length = 255) {
    std::vector<Message> out;
    const int priority = static_cast<int>(m_random.between(0, 31));
    for (std::size_t i = 0; i < count; ++i) {
      out.push_back({priority, m_random.text(static_cast<std::size_t>(m_random.between(1, static_cast<long>(max_length))))});
    }
    return out;
  }
};

TEST_F(PosixMq, BothProgramsBuild) {
  expect_builds("mq_producer");
  expect_builds("mq_consumer");
}

TEST_F(PosixMq, PriorityOrder) {
  auto world = new_world();
  const auto sent = mixed_messages(8);
  world.run(student("mq_producer").stdin_text(input_lines(sent))).exits(0);
  world.run(student("mq_consumer").args({std::to_string(sent.size())})).exits(0).stdout_is(received_in_order(sent));
}

TEST_F(PosixMq, QueueAttributes) {
  {  // the student's producer makes the queue
    auto world = new_world();
    world.run(student("mq_producer").stdin_text(input_lines(mixed_messages(2)))).exits(0);
    world.expect_posix_queue(k_queue)
        .hint("the producer creates /SYSUOS_mq (mq_open with O_CREAT) and does not unlink it")
        .max_messages(10)
        .message_size(256);
  }
  {  // the student's consumer, started first, makes it
    auto world = new_world();
    auto consumer = world.run(student("mq_consumer").args({"1"}));
    CheckWorld::wait_until([&] {
      return labgrade::posix_queue(world.world(), k_queue).has_value() || consumer.process().finished();
    }, 3s);
    // The queue appears before the first mq_receive: wait until the consumer sleeps in it, or ends (O_NONBLOCK).
    CheckWorld::wait_until([&] {
      const auto now = labgrade::read_activity(consumer.process().pid());
      return consumer.process().finished() || (now && now->asleep && now->call == "mq_receive");
    }, 1s);
    consumer.still_running().hint("started first, the consumer creates the queue (O_CREAT) and waits in mq_receive (no O_NONBLOCK)");
    world.expect_posix_queue(k_queue)
        .hint("started first, the consumer creates /SYSUOS_mq: mq_open with O_CREAT")
        .max_messages(10)
        .hint("the consumer opens the queue as the producer does: O_CREAT, 0666 and &attr with mq_maxmsg = 10")
        .message_size(256)
        .hint("the consumer opens the queue as the producer does: O_CREAT, 0666 and &attr with mq_msgsize = 256");
    consumer.kill();
  }
}

TEST_F(PosixMq, ProducerBlocksWhenFull) {
  auto world = new_world();
  auto producer = world.run(student("mq_producer").stdin_text(input_lines(mixed_messages(15))));
  std::optional<labgrade::PosixQueueAttributes> queue;
  CheckWorld::wait_until([&] {
    queue = labgrade::posix_queue(world.world(), k_queue);
    return (queue && queue->messages >= 10) || producer.process().finished();
  }, 3s);
  // Full: it must now wait in mq_send, with exactly 10 queued.
  CheckWorld::wait_until([&] { return producer.process().finished(); }, 200ms);
  producer.still_running().hint("with 10 messages queued, mq_send must block (no O_NONBLOCK), not fail or be skipped");
  world.expect_posix_queue(k_queue).messages(10);
  producer.kill();
}

TEST_F(PosixMq, MessagesAreExactBytes) {
  auto world = new_world();
  const auto sent = same_priority(6, 80);
  world.run(student("mq_producer").stdin_text(input_lines(sent))).exits(0);
  auto consumer = world.run(peer("mq_consumer").args({"--lengths", std::to_string(sent.size())}));
  consumer.exits(0);
  std::istringstream lines(consumer.stdout_text());
  std::string line;
  for (const auto& m : sent) {
    std::getline(lines, line);
    std::istringstream fields(line);
    int priority = 0;
    std::size_t length = 0;
    fields >> priority >> length;
    if (length != m.text.size()) {
      labgrade::fail_check({fmt::format("the message for \"{}\" to be its {} bytes", m.text, m.text.size()),
                            fmt::format("mq_receive got {} bytes{}", length,
                                        length == m.text.size() + 1 ? " (a NUL or a newline too many)" : ""),
                            "", false});
    }
  }
}

TEST_F(PosixMq, RandomTextsArrive) {
  auto world = new_world();
  auto sent = mixed_messages(9);
  for (auto& m : sent) m.text = m_random.text(static_cast<std::size_t>(m_random.between(1, 255)));
  world.run(reference("mq_producer").stdin_text(input_lines(sent))).exits(0);
  world.run(student("mq_consumer").args({std::to_string(sent.size())})).exits(0).stdout_is(received_in_order(sent));
}

TEST_F(PosixMq, ConsumerUsage) { expect_rejects_bad_count("mq_consumer", "usage: %s N"); }

TEST_F(PosixMq, ConsumerRemovesQueue) {
  auto world = new_world();
  const auto sent = mixed_messages(3);
  world.run(reference("mq_producer").stdin_text(input_lines(sent))).exits(0);
  world.run(student("mq_consumer").args({std::to_string(sent.size())})).exits(0);
  world.expect_no_posix_queues();
}

TEST_F(PosixMq, ConsumerWithReferenceProducer) {
  auto world = new_world();
  const auto sent = same_priority(25);  // more than the queue holds: both wait on each other
  auto consumer = world.run(student("mq_consumer").args({std::to_string(sent.size())}));
  auto producer = world.run(peer("mq_producer").stdin_text(input_lines(sent)));
  consumer.exits(0).stdout_is(input_lines(sent));
  producer.exits(0);
}

TEST_F(PosixMq, ProducerWithReferenceConsumer) {
  auto world = new_world();
  const auto sent = same_priority(25);
  auto producer = world.run(student("mq_producer").stdin_text(input_lines(sent)));
  auto consumer = world.run(peer("mq_consumer").args({std::to_string(sent.size())}));
  producer.exits(0);
  consumer.exits(0).stdout_is(input_lines(sent));
}

}  // namespace
