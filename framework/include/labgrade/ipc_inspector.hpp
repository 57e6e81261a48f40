// Looking at a world's System V IPC objects from outside, while its programs run.
//
//   for (const SysvSegment& s : sysv_segments(world))
//     fmt::print("key {:#x}: {} bytes, mode {:o}, {} attached\n", s.key, s.size, s.mode, s.nattch);
//
// The kernel shows a process only the IPC objects of its own IPC namespace,
// so a short-lived child of the grader enters the world's namespaces
// (setns with the init's pidfd), reads /proc/sysvipc/shm and attaches each
// segment read-only to copy its first bytes. The attach counts reported are
// read before that child attaches anything.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/world.hpp"

namespace labgrade {

struct SysvSegment {
  long key = 0;
  int shmid = -1;
  unsigned mode = 0;          // permission bits, e.g. 0666
  std::size_t size = 0;
  pid_t creator_pid = 0;      // the host's pid of its creator, as Process::pid() says
  unsigned long nattch = 0;   // processes attached to it
  std::string bytes;          // its first bytes (up to max_bytes)
};

/// The world's System V shared memory segments. Throws SyscallError.
std::vector<SysvSegment> sysv_segments(const World& world, std::size_t max_bytes = 4096);

struct SysvQueue {
  long key = 0;
  int msqid = -1;
  unsigned mode = 0;
  std::size_t bytes = 0;     // bytes queued
  std::size_t messages = 0;  // messages queued
};

/// The world's System V message queues (as `ipcs -q`). Throws SyscallError.
std::vector<SysvQueue> sysv_queues(const World& world);

struct PosixQueueAttributes {
  long max_messages = 0;   // mq_maxmsg
  long message_size = 0;   // mq_msgsize
  long messages = 0;       // mq_curmsgs
};

/// mq_getattr of the world's queue `name` ("/SYSUOS_mq"); nothing when it does
/// not exist. Opening it to ask changes nothing in it. Throws SyscallError.
std::optional<PosixQueueAttributes> posix_queue(const World& world, const std::string& name);

}  // namespace labgrade
