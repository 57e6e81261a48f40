#include "labgrade/quiet_network.hpp"

#include <fcntl.h>
#include <sched.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace labgrade {

namespace {

class Pool {
 public:
  UniqueFd take() {
    {
      std::lock_guard guard(m_mutex);
      if (!m_free.empty()) {
        UniqueFd fd = std::move(m_free.back());
        m_free.pop_back();
        return fd;
      }
    }
    if (m_unavailable.load()) return UniqueFd{};
    UniqueFd fd = make();
    if (!fd) m_unavailable = true;
    return fd;
  }
  void give(UniqueFd fd) {
    std::lock_guard guard(m_mutex);
    m_free.push_back(std::move(fd));
  }

 private:
  // Namespaces belong to a thread: a short-lived thread leaves its own and
  // keeps the new one open; the process's stays as it was.
  static UniqueFd make() {
    UniqueFd fd;
    std::thread([&fd] {
      if (::unshare(CLONE_NEWNET) == 0) fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    }).join();
    return fd;
  }

  std::mutex m_mutex;
  std::vector<UniqueFd> m_free;
  std::atomic<bool> m_unavailable{false};
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: worlds may end during static destruction
  return *p;
}

}  // namespace

QuietNetwork QuietNetwork::take() { return QuietNetwork(pool().take()); }

QuietNetwork& QuietNetwork::operator=(QuietNetwork&& other) noexcept {
  if (this != &other) {
    give_back();
    m_fd = std::move(other.m_fd);
  }
  return *this;
}

QuietNetwork::~QuietNetwork() { give_back(); }

void QuietNetwork::give_back() noexcept {
  if (!m_fd) return;
  try {
    pool().give(std::move(m_fd));
  } catch (...) {  // no room to keep it: it closes, and the kernel frees it
    m_fd.reset();
  }
}

}  // namespace labgrade
