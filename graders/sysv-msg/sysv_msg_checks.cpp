// The checks of the sysv-msg lab (labs.md). The world's working directory
// holds SYSUOS, so ftok("SYSUOS", 'q') works; the grader lists the world's
// queues from inside its IPC namespace.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <labgrade/check.hpp>

#include "labgrade/lab_data.hpp"

namespace {

using namespace std::chrono_literals;
using labgrade::CheckWorld;

struct Message {
  long type;
  std::string text;
};

std::string lines(const std::vector<Message>& messages) {
  std::string out;
  for (const auto& m : messages) out += fmt::format("{} {}\n", m.type, m.text);
  return out;
}

class SysvMsg : public labgrade::LabCheck {
 protected:
  labgrade::data::Random m_random;

  std::vector<Message> messages(std::size_t count, long max_type = 5, std::size_t max_length = 60) {
    std::vector<Message> out;
    for (std::size_t i = 0; i < count; ++i) {
      out.push_back({m_random.between(1, max_type),
                     m_random.text(static_cast<std::size_t>(m_random.between(1, static_cast<long>(max_length))))});
    }
    return out;
  }
};

TEST_F(SysvMsg, BothProgramsBuild) {
  expect_builds("msg_sender");
  expect_builds("msg_receiver");
}

TEST_F(SysvMsg, FifoOrderTypeZero) {
  auto world = new_world();
  const auto sent = messages(8);
  world.run(student("msg_sender").stdin_text(lines(sent))).exits(0);
  world.run(student("msg_receiver").args({std::to_string(sent.size())})).exits(0).stdout_is(lines(sent));
}

TEST_F(SysvMsg, PositiveTypeSelects) {
  auto world = new_world();
  auto sent = messages(10, 4);
  sent[0].type = 1;                    // another type first: ignoring MSGTYP shows at once
  sent[1].type = 3, sent[6].type = 3;  // at least two of the type asked for
  std::vector<Message> wanted;
  std::copy_if(sent.begin(), sent.end(), std::back_inserter(wanted), [](const Message& m) { return m.type == 3; });
  world.run(student("msg_sender").stdin_text(lines(sent))).exits(0);
  world.run(student("msg_receiver").args({std::to_string(wanted.size()), "3"})).exits(0).stdout_is(lines(wanted));
}

TEST_F(SysvMsg, NegativeTypeTakesLowestFirst) {
  auto world = new_world();
  auto sent = messages(10, 6);
  sent[0].type = 6, sent[1].type = 1;  // not already in order: the lowest type must come first
  auto wanted = sent;
  std::stable_sort(wanted.begin(), wanted.end(), [](const Message& a, const Message& b) { return a.type < b.type; });
  world.run(student("msg_sender").stdin_text(lines(sent))).exits(0);
  world.run(student("msg_receiver").args({std::to_string(wanted.size()), "-6"})).exits(0).stdout_is(lines(wanted));
}

TEST_F(SysvMsg, ReceiverWaitsForMessages) {
  auto world = new_world();
  const auto sent = messages(3);
  auto receiver = world.run(student("msg_receiver").args({std::to_string(sent.size())}));
  // It made the queue and waits in msgrcv: the queue exists, it keeps running.
  CheckWorld::wait_until([&] { return !labgrade::sysv_queues(world.world()).empty() || receiver.process().finished(); }, 3s);
  CheckWorld::wait_until([&] { return receiver.process().finished(); }, 200ms);
  receiver.still_running().hint("on an empty queue msgrcv must wait: no IPC_NOWAIT, and msgget with IPC_CREAT");
  world.run(reference("msg_sender").stdin_text(lines(sent))).exits(0);
  receiver.exits(0).stdout_is(lines(sent));
}

TEST_F(SysvMsg, ReceiverRemovesQueue) {
  auto world = new_world();
  const auto sent = messages(3);
  world.run(reference("msg_sender").stdin_text(lines(sent))).exits(0);
  world.run(student("msg_receiver").args({std::to_string(sent.size())})).exits(0);
  world.expect_no_sysv_queues();
}

TEST_F(SysvMsg, SenderWithReferenceReceiver) {
  auto world = new_world();
  const auto sent = messages(8, 9, 255);
  world.run(student("msg_sender").stdin_text(lines(sent))).exits(0);
  // The reference receiver checks every size (strlen + 1) and exits 3 on a mismatch.
  world.run(peer("msg_receiver").args({std::to_string(sent.size())})).exits(0).stdout_is(lines(sent));
}

TEST_F(SysvMsg, ReceiverWithReferenceSender) {
  auto world = new_world();
  const auto sent = messages(8, 9, 255);
  world.run(reference("msg_sender").stdin_text(lines(sent))).exits(0);
  world.run(student("msg_receiver").args({std::to_string(sent.size())})).exits(0).stdout_is(lines(sent));
}

TEST_F(SysvMsg, ReceiverUsage) { expect_rejects_bad_count("msg_receiver", "usage: %s N [MSGTYP]"); }

TEST_F(SysvMsg, FtokFailureReported) {
  auto world = new_world();
  const auto sysuos = world.world().workdir_from_outside() / "SYSUOS";
  std::error_code error;
  std::filesystem::remove(sysuos, error);  // ftok("SYSUOS", 'q') now fails
  if (std::filesystem::exists(sysuos)) {
    labgrade::fail_check({"a working directory without SYSUOS", "cannot remove " + sysuos.string() + ": " + error.message(),
                          "", true});
  }
  world.run(student("msg_sender").stdin_text(lines(messages(2))))
      .fails()
      .hint("with no file SYSUOS, ftok returns -1: check it (if (key == -1) { perror(\"ftok\"); exit(1); }) "
            "instead of using -1 as a key")
      .stderr_not_empty();
  world.run(student("msg_receiver").args({"2"}).time_limit(2s))
      .fails()
      .hint("with no file SYSUOS, ftok returns -1: check it (if (key == -1) { perror(\"ftok\"); exit(1); }) "
            "instead of waiting on a queue nobody else uses")
      .stderr_not_empty();
}

}  // namespace
