// A stable hash of content (64-bit FNV-1a, the same on every run and
// library version, unlike std::hash): what names a cached build, and what
// tells a batch's rerun that a submission is unchanged.
//
//   ContentHash h;
//   h.add(source_text);          // each piece ends with a separator: "ab","c" != "a","bc"
//   h.add_file(path);
//   cache / h.hex();
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace labgrade {

struct ContentHash {
  std::uint64_t value = 1469598103934665603ULL;
  void add(std::string_view bytes);
  /// A file's bytes (nothing when it cannot be read).
  void add_file(const std::filesystem::path& file);
  /// A file's identity without its bytes: its path, size and modification
  /// time (a compiler, a library: what a cached build was made with).
  void add_identity(const std::filesystem::path& file);
  /// Every regular file below `dir`, by relative path, in order.
  void add_tree(const std::filesystem::path& dir);
  std::string hex() const;
};

/// The running program's GNU build-id, in hex, read from its own headers in
/// memory (the linker computes it from the program's bytes: a program built
/// differently has another); "" when it was linked without one.
std::string own_build_id();

/// "1.5", "2", "0.33": points as the reports print them.
std::string format_points(double value);

}  // namespace labgrade
