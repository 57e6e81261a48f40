// Causes, not symptoms: what a failed program's ending and output say about
// why it failed, each diagnosis from something the grader saw, in a
// student's terms. A check's own hint stays; a diagnosis is added to it and
// makes every check that shows it one cause in the report.
//
//   perror_cause("mq_receive: Message too long\n")
//   // "mq_receive failed with EMSGSIZE (Message too long): its buffer is
//   //  smaller than the queue's mq_msgsize: ..."
//   sigbus_cause(world_shm_dir, 2.0)   // after a SIGBUS: "/dev/shm/SYSUOS is 0 bytes long: ..."
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace labgrade {

/// A call that failed, as perror printed it: "shm_open: No such file or directory".
struct ReportedError {
  std::string call;        // "shm_open" (perror's text before ": ", its last word)
  int number = 0;          // ENOENT
  std::string name;        // "ENOENT"
  std::string text;        // "No such file or directory"
};

/// The first line of `stderr_text` that reads as perror's "<text>: <strerror(errno)>"
/// (in the C locale, as the world's programs run).
std::optional<ReportedError> first_reported_error(const std::string& stderr_text);

/// The cause of a failure that printed an error with perror: the call, its
/// errno by name, and what usually makes that call fail so in these labs.
std::optional<std::string> perror_cause(const std::string& stderr_text);

/// After a SIGBUS: a shared memory object made or changed in the last
/// `within_seconds` (the run's) that is shorter than a page (0 bytes: never
/// given its size with ftruncate); else what a SIGBUS on a mapping means.
/// `shm_dir`: the world's /dev/shm seen from outside.
std::string sigbus_cause(const std::filesystem::path& shm_dir, double within_seconds);

}  // namespace labgrade
