// Worlds made before a check asks for one, and torn down after it: a
// thread of the check runner's makes the next world while the current
// check's programs run (and the first one while the compilers work), so that
// a check's world is ready when it asks; and when a check lets its world go,
// the world ends at once (World::end: nothing of it runs on) and the thread
// waits for its init and frees the rest.
//
//   WorldsAhead ahead(scratch / "cores.lock");
//   ahead.prepare(options);                     // the first, made now on its thread
//   std::unique_ptr<World> w = ahead.take(options);  // ready
//   w->spawn(...); ahead.next();                // the next, while this one's programs run
//   ahead.end(std::move(w));                    // ended now, torn down behind
//
// Only a world that can wait idle is made ahead: in namespaces, without the
// cores to itself or the compiler's folder (isolation off, a world holds the
// machine: one at a time). Any other world is made by take()'s caller, as
// `World(options)` would. A world made ahead is the same world: its init's
// PR_SET_PDEATHSIG follows the thread that made it, so the thread lives as
// long as this object, and every world taken must end before it does.
//
// The thread makes a world while it shares the submission's cores
// (SharedCores): a check that has them to itself is never slowed by it. It
// never waits for them while take() waits for it: that world is then made
// by take()'s caller.
#pragma once

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "labgrade/world.hpp"

namespace labgrade {

class WorldsAhead {
 public:
  /// `cores_lock`: the submission's cores' lock file (parallel_checks.hpp),
  /// shared while a world is made; empty: none.
  explicit WorldsAhead(std::filesystem::path cores_lock = {});
  ~WorldsAhead();  // tears down the worlds it holds, then ends the thread
  WorldsAhead(const WorldsAhead&) = delete;
  WorldsAhead& operator=(const WorldsAhead&) = delete;

  /// Whether a world of these options can be made ahead (see above).
  static bool can_wait(const WorldOptions& options);

  /// Begins making a world of these options (one that cannot wait: nothing).
  /// A world made ahead for other options is ended.
  void prepare(const WorldOptions& options);

  /// A world of these options: the one made ahead, waited for if it is being
  /// made, or else one made now. A world made ahead that failed is made again
  /// now (its error, if any, is then this call's). The next one is begun by
  /// next() or end(), whichever comes first: not while the world's first
  /// program starts.
  std::unique_ptr<World> take(const WorldOptions& options);

  /// Begins the next world, of the last options taken that can wait (a
  /// check calls it once its first program has started: its own start is
  /// never slowed by the making).
  void next();

  /// Ends `world` now (World::end) and tears it down on the thread (in
  /// namespaces; a world of the host is torn down now, by the caller).
  void end(std::unique_ptr<World> world);

  /// Worlds taken ready, of all taken (for benchmarks and tests).
  int taken_ready() const;

 private:
  void work();

  std::filesystem::path m_cores_lock;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::optional<WorldOptions> m_wanted;    // to be made next
  std::optional<WorldOptions> m_made_for;  // what m_ready is (or is being made) for
  std::optional<WorldOptions> m_last_taken;
  std::unique_ptr<World> m_ready;
  std::vector<std::unique_ptr<World>> m_to_tear_down;
  bool m_making = false;
  bool m_taker_waits = false;
  bool m_stop = false;
  int m_taken_ready = 0;
  std::thread m_thread;
};

}  // namespace labgrade
