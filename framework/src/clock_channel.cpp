#include "labgrade/clock_channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace {

// The shim's message, byte for byte (see labgrade_clock.c).
struct WireEvent {
  char kind;
  char call[23];
  double seconds;
};

}  // namespace

std::pair<std::shared_ptr<ClockChannel>, UniqueFd> ClockChannel::create() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw SyscallError("socketpair", "AF_UNIX, SOCK_SEQPACKET", errno);
  }
  std::shared_ptr<ClockChannel> channel(new ClockChannel(UniqueFd(fds[0])));
  return {channel, UniqueFd(fds[1])};
}

std::string ClockChannel::env_fd() { return fmt::format("LABGRADE_CLOCK_FD={}", k_program_fd); }

std::string ClockChannel::env_scale(double scale) { return fmt::format("LABGRADE_CLOCK_SCALE={}", scale); }

void ClockChannel::drain() {
  for (;;) {
    WireEvent wire{};
    ssize_t n = ::recv(m_fd.get(), &wire, sizeof wire, MSG_DONTWAIT);
    if (n != static_cast<ssize_t>(sizeof wire)) return;
    wire.call[sizeof wire.call - 1] = '\0';
    m_events.push_back(ClockEvent{wire.kind, wire.call, wire.seconds});
  }
}

const std::vector<ClockEvent>& ClockChannel::events() {
  drain();
  return m_events;
}

bool ClockChannel::wait_for_sleep(const Process& process, std::chrono::steady_clock::time_point deadline) {
  auto new_sleep = [&] {
    drain();
    std::size_t sleeps = 0;
    for (const auto& e : m_events) sleeps += e.kind == 'S' ? 1 : 0;
    if (sleeps <= m_sleeps_seen) return false;
    m_sleeps_seen = sleeps;
    return true;
  };
  bool hung_up = false;  // the program closed its end: only its exit can come now
  for (;;) {
    if (new_sleep()) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{process.pidfd(), POLLIN, 0}, {m_fd.get(), POLLIN, 0}};
    int ready = ::poll(fds, hung_up ? 1 : 2, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno != EINTR) throw SyscallError("poll", "clock channel", errno);
    if (ready <= 0) continue;
    if (fds[0].revents & POLLIN) return new_sleep();  // it ended: asleep only if it said so first
    if (!hung_up && (fds[1].revents & (POLLHUP | POLLRDHUP | POLLERR))) hung_up = true;
  }
}

void ClockChannel::wake() {
  char byte = 'w';
  ::send(m_fd.get(), &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

bool ClockChannel::called(const std::string& call) {
  drain();
  for (const auto& e : m_events) {
    if (e.kind == 'C' && e.call == call) return true;
  }
  return false;
}

}  // namespace labgrade
