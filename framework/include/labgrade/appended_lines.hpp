// The whole lines another process has appended to a file since the last
// read: the builds the grader feeds its runners, the checks a runner has
// started and ended. A line still being written waits for the next read; a
// file not made yet reads as empty.
//
//   AppendedLines results(dir / "results-0.jsonl");
//   for (const std::string& line : results.read_new()) ...
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace labgrade {

class AppendedLines {
 public:
  explicit AppendedLines(std::filesystem::path file) : m_file(std::move(file)) {}
  /// The lines completed since the last call (without their '\n').
  /// Throws SyscallError when the file exists but cannot be read.
  std::vector<std::string> read_new();

 private:
  std::filesystem::path m_file;
  std::size_t m_offset = 0;  // where the next unread byte is
  std::string m_partial;     // a line begun but not yet ended
};

}  // namespace labgrade
