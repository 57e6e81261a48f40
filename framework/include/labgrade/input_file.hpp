// A program's stdin, prepared once: a sealed memfd that nobody (the program
// included) can change, read by each run from its own offset 0.
//
//   InputFile input = InputFile::written([&](const InputFile::Append& append) {
//     for (...) append(chunk);                       // megabytes, in pieces: no copy of the whole
//   });
//   world.run(student("bb_producer").stdin_file(input));
//   if (consumer.stdout_text() == input.bytes()) ...  // the same bytes, no copy
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

class InputFile {
 public:
  /// A file holding these bytes.
  static InputFile holding(std::string_view bytes);
  using Append = std::function<void(std::string_view)>;
  /// A file written in pieces: `produce(append)` calls append(bytes) as often
  /// as it likes (megabytes of input, never held whole in memory twice).
  static InputFile written(const std::function<void(const Append&)>& produce);

  /// Its bytes: a read-only view, valid while any copy of this InputFile lives.
  std::string_view bytes() const;
  std::size_t size() const { return bytes().size(); }
  /// A new read-only descriptor (O_CLOEXEC) at offset 0: one program's stdin.
  UniqueFd open_for_reading() const;

 private:
  struct File;
  explicit InputFile(std::shared_ptr<const File> file) : m_file(std::move(file)) {}
  std::shared_ptr<const File> m_file;
};

}  // namespace labgrade
