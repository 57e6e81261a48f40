// The labgrade of a student kit (`labgrade kit`): a student's self-check of
// the kit's lab on their own machine. It holds the lab's checks that
// students may see (compiled in when the kit is made) and reads the lab,
// its starter files and its reference programs from ../share/labgrade beside
// itself. Commands: list, check, init (as the full labgrade's).
#include <signal.h>
#include <sys/random.h>

#include <cstdint>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "labgrade/error.hpp"

namespace fs = std::filesystem;
using namespace labgrade;

// std::random_device of Debian 12's static libstdc++ calls arc4random, which
// glibc has only from 2.36: the kit's program (glibc 2.35 at most, for Ubuntu
// 22.04) brings its own, from the kernel's random source as glibc's does.
extern "C" std::uint32_t arc4random(void) {
  std::uint32_t value = 0;
  for (char* at = reinterpret_cast<char*>(&value); at != reinterpret_cast<char*>(&value + 1);) {
    const ssize_t n = ::getrandom(at, reinterpret_cast<char*>(&value + 1) - at, 0);
    if (n > 0) at += n;
  }
  return value;
}

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  if (auto code = runner_entry(argc, argv)) return *code;

  CLI::App app{"labgrade (student kit): self-check a lab on inter-process communication"};
  app.set_version_flag("--version", std::string("labgrade ") + LABGRADE_VERSION + " (student kit)");
  app.require_subcommand(1);
  auto* list = app.add_subcommand("list", "the lab of this kit: name and title");
  CheckArgs check_args;
  auto* check = add_check_command(app, check_args, "check your programs (the lab's visible checks)");
  InitArgs init_args;
  auto* init = add_init_command(app, init_args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    const auto labs_dir = labs_beside_program();
    if (!labs_dir) throw UsageError("this labgrade is not in its kit any more (no ../share/labgrade/labs beside it): "
                                    "run it where the kit was unpacked, e.g. labgrade-LAB/bin/labgrade");
    if (*list) return cmd_list(*labs_dir);
    if (*check) return cmd_check(*labs_dir, check_args);
    if (*init) return cmd_init(*labs_dir, init_args);
  } catch (const UsageError& e) {
    fmt::print(stderr, "labgrade: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "labgrade: grader error (a bug in labgrade, not in your programs): {}\n", e.what());
    return 3;
  }
  return 2;
}
