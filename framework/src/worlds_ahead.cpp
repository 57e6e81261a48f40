#include "labgrade/worlds_ahead.hpp"

#include <chrono>
#include <utility>

#include "labgrade/parallel_checks.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

WorldsAhead::WorldsAhead(fs::path cores_lock) : m_cores_lock(std::move(cores_lock)) {
  m_thread = std::thread([this] { work(); });
}

WorldsAhead::~WorldsAhead() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

bool WorldsAhead::can_wait(const WorldOptions& options) {
  return detect_isolation() != Isolation::none && !options.cores_to_itself && options.workdir_bind.empty();
}

void WorldsAhead::prepare(const WorldOptions& options) {
  if (!can_wait(options)) return;
  std::unique_ptr<World> other;  // made ahead for other options: ended here, out of the lock
  {
    std::lock_guard lock(m_mutex);
    if (m_made_for == options || m_wanted == options) return;
    if (!m_making) {
      other = std::move(m_ready);
      m_made_for.reset();
    }
    m_wanted = options;
  }
  m_changed.notify_all();
}

std::unique_ptr<World> WorldsAhead::take(const WorldOptions& options) {
  std::unique_ptr<World> world;
  if (can_wait(options)) {
    std::unique_lock lock(m_mutex);
    m_last_taken = options;  // what next() makes
    if (m_made_for == options || m_wanted == options) {  // made, being made, or about to be
      m_taker_waits = true;
      m_changed.notify_all();
      m_changed.wait(lock, [&] { return m_stop || (!m_making && m_wanted != options); });
      m_taker_waits = false;
      if (m_made_for == options) {
        world = std::move(m_ready);
        m_made_for.reset();
        if (world) ++m_taken_ready;
      }
    }
  }
  return world ? std::move(world) : std::make_unique<World>(options);
}

void WorldsAhead::next() {
  std::optional<WorldOptions> options;
  {
    std::lock_guard lock(m_mutex);
    options = m_last_taken;
  }
  if (options) prepare(*options);
}

void WorldsAhead::end(std::unique_ptr<World> world) {
  if (!world) return;
  world->end();
  next();
  if (world->isolation() == Isolation::none) return;  // torn down here: the host is one world at a time
  {
    std::lock_guard lock(m_mutex);
    if (m_stop) return;  // no thread to do it: torn down here
    m_to_tear_down.push_back(std::move(world));
  }
  m_changed.notify_all();
}

int WorldsAhead::taken_ready() const {
  std::lock_guard lock(m_mutex);
  return m_taken_ready;
}

// Tears down each world let go, then makes the one wanted; at the end,
// tears down what it holds.
void WorldsAhead::work() {
  std::unique_ptr<SharedCores> cores;
  if (!m_cores_lock.empty()) {
    try {
      cores = std::make_unique<SharedCores>(m_cores_lock);
    } catch (const std::exception&) {
      // No lock to share: nothing is made ahead, every world is made by take().
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
  }
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [&] { return m_stop || m_wanted.has_value() || !m_to_tear_down.empty(); });
    if (!m_to_tear_down.empty()) {  // first: they hold uids, networks and cgroups the next world may want
      auto ended = std::move(m_to_tear_down);
      m_to_tear_down.clear();
      lock.unlock();
      ended.clear();
      lock.lock();
      continue;
    }
    if (m_stop) break;
    const WorldOptions options = *std::exchange(m_wanted, std::nullopt);
    m_made_for = options;
    m_making = true;
    // The cores, shared while it is made; given up when take() waits for
    // this world (its caller makes it) or the object ends.
    bool shared = true;
    if (cores) {
      while (!cores->try_share()) {
        if (m_taker_waits || m_stop) {
          shared = false;
          break;
        }
        m_changed.wait_for(lock, 1ms);
      }
    }
    std::unique_ptr<World> world;
    if (shared) {
      lock.unlock();
      try {
        world = std::make_unique<World>(options);
      } catch (const std::exception&) {
        // Made again by take(), whose caller then has the error.
      }
      if (cores) cores->release();
      lock.lock();
    }
    m_making = false;
    if (m_made_for == options && !(m_wanted && *m_wanted != options)) {
      m_ready = std::move(world);
    } else {
      m_made_for.reset();
    }
    m_changed.notify_all();
    if (world) {  // no longer wanted: ended out of the lock
      lock.unlock();
      world.reset();
      lock.lock();
    }
  }
  std::unique_ptr<World> last = std::move(m_ready);
  auto ended = std::move(m_to_tear_down);
  m_made_for.reset();
  lock.unlock();
  last.reset();
  ended.clear();
}

}  // namespace labgrade
