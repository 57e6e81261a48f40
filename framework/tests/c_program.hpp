// Small C programs compiled at test time (gcc), with or without labgrade's
// clock shim: the programs a test runs are written next to the test.
//
//   TempDir scratch("labgrade-test-");
//   auto exe = test::compile_c(scratch.path(), "sleeper", "int main(void) { sleep(10); }", test::with_clock_shim);
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "labgrade/host_command.hpp"
#include "test_support.hpp"

namespace labgrade::test {

/// Whether gcc is in PATH (tests that compile C skip without it).
inline bool have_gcc() { return !resolve_host_program({.argv = {"gcc"}}).empty(); }

inline std::filesystem::path clock_shim_source() { return source_dir() / "framework" / "shims" / "labgrade_clock.c"; }

/// The link options that route the watched calls to the shim (as builder.cpp links them).
inline const std::vector<std::string>& clock_wraps() {
  static const std::vector<std::string> wraps = {
      "-Wl,--wrap=sleep,--wrap=usleep,--wrap=nanosleep,--wrap=clock_nanosleep,--wrap=shmdt"};
  return wraps;
}

enum ClockShim { without_clock_shim, with_clock_shim };

/// Writes `dir`/`name`.c and compiles it to `dir`/`name` (with the clock shim
/// when asked). Throws std::runtime_error with gcc's diagnostics when it fails.
inline std::filesystem::path compile_c(const std::filesystem::path& dir, const std::string& name,
                                       const std::string& source, ClockShim shim = without_clock_shim) {
  const std::filesystem::path c_file = dir / (name + ".c");
  const std::filesystem::path exe = dir / name;
  write_text(c_file, source);
  HostCommand gcc;
  gcc.argv = {"gcc", "-std=gnu11", "-Wall", "-O2", "-o", exe.string(), c_file.string()};
  if (shim == with_clock_shim) {
    gcc.argv.push_back(clock_shim_source().string());
    gcc.argv.insert(gcc.argv.end(), clock_wraps().begin(), clock_wraps().end());
  }
  gcc.time_limit = 60.0;
  const HostCommandResult compiled = run_on_host(gcc);
  if (!compiled.exited_with(0)) {
    throw std::runtime_error("gcc could not compile " + c_file.string() + " (" + compiled.describe() + "):\n" +
                             compiled.err.bytes);
  }
  return exe;
}

}  // namespace labgrade::test
