// The grader's end of a program's clock shim (framework/shims/labgrade_clock.c):
// it hears when the program falls asleep or calls a watched function, and
// wakes it up.
//
//   auto [channel, program_end] = ClockChannel::create();
//   options.pass_fds = {{program_end.get(), ClockChannel::k_program_fd}};
//   options.env = {ClockChannel::env_fd(), ClockChannel::env_scale(0.05)};
//   ...
//   if (channel->wait_for_sleep(*process, deadline)) { /* inspect */ channel->wake(); }
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "labgrade/process.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

struct ClockEvent {
  char kind = 0;     // 'S' asleep, 'C' a watched call
  std::string call;  // "sleep", "nanosleep", "shmdt", ...
  double seconds = 0;
};

class ClockChannel {
 public:
  static constexpr int k_program_fd = 100;  // the descriptor the program gets

  /// The grader's channel and the program's end (pass it with SpawnOptions::pass_fds).
  static std::pair<std::shared_ptr<ClockChannel>, UniqueFd> create();
  static std::string env_fd();
  static std::string env_scale(double scale);

  /// Waits until the program is asleep (true), or it ended or the deadline
  /// passed first (false).
  bool wait_for_sleep(const Process& process, std::chrono::steady_clock::time_point deadline);
  /// Ends the program's current (or next) sleep.
  void wake();
  /// Whether the program called `call` (reads what it has said so far).
  bool called(const std::string& call);
  const std::vector<ClockEvent>& events();

 private:
  explicit ClockChannel(UniqueFd fd) : m_fd(std::move(fd)) {}
  void drain();

  UniqueFd m_fd;
  std::vector<ClockEvent> m_events;
  std::size_t m_sleeps_seen = 0;
};

}  // namespace labgrade
