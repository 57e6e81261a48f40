// A scratch directory removed with everything in it when its owner goes away.
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

}  // namespace labgrade
