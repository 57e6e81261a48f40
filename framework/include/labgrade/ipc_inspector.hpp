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

}  // namespace labgrade
