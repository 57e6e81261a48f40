// Whether a world can never move again: every process in it asleep, each
// waiting for something that only another of them could give (a deadlock).
//
//   DeadlockWatch watch(world.init_pid());
//   if (auto why = watch.look()) ...   // called now and then while a program runs
//   // "pipe (pid 2) waits for its child pipe (pid 3); pipe (pid 3) waits to
//   //  read from a pipe whose write end is open only in pipe (pid 3)"
//
// It is conservative, and says "stuck" only when nothing could ever change:
// every thread of every process of the world sleeps in read or write on a
// pipe (made by pipe(): a FIFO has a name that a program the check starts
// next may open), or in wait for its children; the other ends of those pipes are
// open only in processes of the world that are stuck too (never in the
// grader, who may still write or read); the children waited for are stuck
// too; and no process has a signal handler (a signal from the check could
// wake it: the self-pipe trick). Anything else (running, sleep, poll, futex,
// message queues, semaphores, a FIFO) means "not stuck". A look says
// "stuck" only when the one before said so too with the same threads in the
// same calls and no thread having run in between: a view read while the
// world changed is never taken for a deadlock.
//
// Only for worlds with a pid namespace (their own /proc, seen from outside
// through /proc/<init>/root/proc); without isolation it never says "stuck".
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace labgrade {

class DeadlockWatch {
 public:
  explicit DeadlockWatch(pid_t init_pid) : m_init_pid(init_pid) {}

  /// Why the world is stuck, once two looks in a row agree; nothing otherwise.
  std::optional<std::string> look();

 private:
  pid_t m_init_pid;
  std::optional<std::string> m_previous;  // the last look's threads and run times, when it found the world stuck
};

}  // namespace labgrade
