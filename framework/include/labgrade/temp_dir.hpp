// A scratch directory removed with everything in it when its owner goes away,
// and files written whole or not at all.
//
//   TempDir scratch{"labgrade-"};          // /tmp/labgrade-XXXXXX
//   auto exe = scratch.path() / "shm_producer";
#pragma once

#include <filesystem>
#include <string>

namespace labgrade {

class TempDir {
 public:
  /// Creates $TMPDIR/<prefix>XXXXXX (or under `parent` when given).
  explicit TempDir(const std::string& prefix,
                   const std::filesystem::path& parent = {});
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const noexcept { return m_path; }

 private:
  std::filesystem::path m_path;
};

/// Writes `text` to `file` through a temporary file beside it (".NAME.PID.tmp")
/// and a rename: readers see the old file or the whole new one.
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace labgrade
