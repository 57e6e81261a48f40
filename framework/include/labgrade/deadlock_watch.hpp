// Whether a world can never move again: every process in it asleep, each
// waiting for something that only another of them could give.
//
//   DeadlockWatch watch(world.init_pid(), awaits);
//   if (auto stuck = watch.look()) ...   // called now and then while a program runs
//   // stuck->why: "a deadlock: pipe (pid 2) waits for its child pipe (pid 3);
//   //  pipe (pid 3) waits to read from a pipe whose write end is open only in
//   //  pipe (pid 3) itself"; stuck->advice: the cause in a student's terms
//
// It is conservative, and says "stuck" only when nothing could ever change.
// Always: every thread of every process of the world sleeps in read or write
// on a pipe made by pipe(), or in wait for its children; the other ends of
// those pipes are open only in processes of the world (never in the grader,
// who may still write or read); the children waited for are asleep too; and
// no process catches a signal (a signal from the check could wake it: the
// self-pipe trick).
//
// While the check awaits an event of the world (Process::Awaiting: it waits
// for a program's end or for a line, and does nothing else meanwhile), more
// waits are stuck, because only the world's processes could end them and all
// of them sleep: open, read or write on a FIFO; mq_receive and mq_send, msgrcv
// and msgsnd, semop without a timeout; futex waits without a timeout
// (sem_wait, a mutex, a condition variable); pause, sigsuspend and sigwait;
// read, write and accept on a TCP socket of the world's own network (only
// its programs can be at the other end; a Unix socket may be the grader's);
// and signal handlers no longer count, unless SIGALRM is caught or a POSIX
// timer is set (a timer may still ring). Anything else (running, sleep, poll,
// a socket, a wait with a timeout, a FIFO the grader holds) means "not stuck".
// A look says "stuck" only when the one before said so too with the same
// threads in the same calls and no thread having run in between: a view read
// while the world changed is never taken for a deadlock.
//
// `spinning_is_waiting` (a lab whose programs busy-wait for each other, as a
// bounded buffer's do), while awaited: a thread that runs without making a
// system call that could change anything (no read, write or blocking call:
// its counts in /proc stay the same) waits as much as a sleeping one, once it
// has done so for a second with half a second of CPU while every other thread
// of the world is stuck or spinning too, and the world's shared memory
// objects (/dev/shm, their first 64 KiB) did not change meanwhile: two
// programs passing items through it without a system call are moving.
//
// Only for worlds with a pid namespace (their own /proc, seen from outside
// through /proc/<init>/root/proc); without isolation it never says "stuck".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/process.hpp"

namespace labgrade {

class DeadlockWatch {
 public:
  /// `awaits`: the world's count of the check's waits (null: never awaited).
  /// `services`: processes of the world that are not the check's programs
  /// (its rpcbind, numbered as the world's pid namespace numbers them): left
  /// out, as the init is.
  explicit DeadlockWatch(pid_t init_pid, AwaitCount awaits = nullptr, bool spinning_is_waiting = false,
                         std::vector<int> services = {})
      : m_init_pid(init_pid), m_awaits(std::move(awaits)), m_spinning_is_waiting(spinning_is_waiting),
        m_services(std::move(services)) {}

  /// Why the world is stuck, once two looks in a row agree; nothing otherwise.
  std::optional<StuckWorld> look();

 private:
  pid_t m_init_pid;
  AwaitCount m_awaits;
  bool m_spinning_is_waiting;
  std::vector<int> m_services;
  // The last look that found the world stuck: its threads and calls (with
  // run times, unless a thread spins), since when, and the spinners' CPU then.
  struct Seen {
    std::string fingerprint;
    std::chrono::steady_clock::time_point since;
    double spin_cpu = 0;
  };
  std::optional<Seen> m_previous;
};

}  // namespace labgrade
