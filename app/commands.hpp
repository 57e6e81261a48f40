// The commands that the full labgrade and a kit's program (student_main.cpp)
// share: where the labs are, `list`, `check`, `init`, and the runner's entry.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/grader_build.hpp"

namespace CLI {
class App;
}

namespace labgrade {

struct CheckArgs {
  std::string lab, format = "text", output, dir = ".";
  std::vector<std::string> only;
  bool watch = false;  // grade again on every save of a source (text reports only)
  std::string keep;    // the folder of the failed checks' replays ("": none)
  int jobs = 0;        // checks at once (0: one per core)
};

struct InitArgs {
  std::string lab, dir;
};

/// The `check` and `init` subcommands on `app`, their values read into `args`.
CLI::App* add_check_command(CLI::App& app, CheckArgs& args, const std::string& description);
CLI::App* add_init_command(CLI::App& app, InitArgs& args);

/// The labs installed beside the program: <prefix>/bin/labgrade reads
/// <prefix>/share/labgrade/labs (an installed labgrade, or a kit).
std::optional<std::filesystem::path> labs_beside_program();

/// The framework installed beside the program (labgrade-dev), if it is.
std::optional<FrameworkFiles> framework_beside_program();

/// The hidden entries of a program that holds checks (`__run-checks CONTEXT`,
/// `__list-checks SUITE`): their exit code, or nullopt for any other command line.
std::optional<int> runner_entry(int argc, char** argv);

int cmd_list(const std::filesystem::path& labs_dir);
/// Grades once (exit 0, 1 or 3), or with --watch until Ctrl-C (exit 0).
int cmd_check(const std::filesystem::path& labs_dir, const CheckArgs& args);
int cmd_init(const std::filesystem::path& labs_dir, const InitArgs& args);

/// Writes the report to `output_file`, or stdout when empty; an unwritable
/// file is the user's mistake (UsageError).
void write_output(const std::string& text, const std::string& output_file);

}  // namespace labgrade
