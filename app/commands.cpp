#include "commands.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "labgrade/builder.hpp"
#include "labgrade/error.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/reporters.hpp"
#include "labgrade/temp_dir.hpp"
#include "live_progress.hpp"
#include "starter_folder.hpp"
#include "watch.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

fs::path install_prefix() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
}

}  // namespace

std::optional<fs::path> labs_beside_program() {
  const fs::path installed = install_prefix() / "share" / "labgrade" / "labs";
  if (fs::is_directory(installed)) return installed;
  return std::nullopt;
}

std::optional<FrameworkFiles> framework_beside_program() {
  const fs::path prefix = install_prefix();
  for (const char* lib : {"lib", "lib/x86_64-linux-gnu", "lib64"}) {
    FrameworkFiles installed{prefix / "include", prefix / lib / "liblabgrade_framework.a",
                             prefix / lib / "liblabgrade_student.a"};
    if (installed.usable()) return installed;
  }
  return std::nullopt;
}

std::optional<int> runner_entry(int argc, char** argv) {
  if (argc != 3) return std::nullopt;
  const std::string command = argv[1];
  if (command == "__run-checks") return run_checks_main(argv[2]);
  if (command == "__list-checks") {
    for (const auto& test : registered_checks(argv[2])) std::printf("%s\n", test.c_str());
    return 0;
  }
  return std::nullopt;
}

void write_output(const std::string& text, const std::string& output_file) {
  if (output_file.empty()) {
    std::cout << text << std::flush;
    return;
  }
  try {
    write_file_atomically(output_file, text);
  } catch (const SyscallError& e) {
    throw UsageError(fmt::format("{}: cannot write the output file ({})", output_file, e.what()));
  }
}

// Every lab, and for one that this labgrade cannot grade, why.
int cmd_list(const fs::path& labs_dir) {
  for (const auto& file : lab_files(labs_dir)) {
    try {
      const LabSpec lab = load_lab_spec(file);
      const std::string why = why_ungradable(lab);
      fmt::print("{:<16} {}{}\n", lab.name, lab.title, why.empty() ? "" : "  (cannot grade it: " + why + ")");
    } catch (const LabSpecError& e) {
      fmt::print("{:<16} (cannot grade it: {})\n", file.parent_path().filename().string(), e.what());
    }
  }
  return 0;
}

CLI::App* add_check_command(CLI::App& app, CheckArgs& args, const std::string& description) {
  auto* check = app.add_subcommand("check", description);
  check->add_option("--lab", args.lab, "the lab, e.g. posix-shm")->required();
  check->add_option("--format", args.format, "text, json, junit, gradescope or prairielearn")
      ->check(CLI::IsMember({"text", "json", "junit", "gradescope", "prairielearn"}))
      ->capture_default_str();
  check->add_option("--output", args.output, "write the report to FILE instead of stdout");
  check->add_option("dir", args.dir, "the submission's folder")->capture_default_str();
  check->add_option("--only", args.only, "run just this check (its test name, e.g. EndToEnd); repeatable")
      ->allow_extra_args(false)
      ->delimiter(',');
  check->add_flag("--watch", args.watch, "grade again each time you save a source file (Ctrl-C to stop)");
  check->add_option("--keep", args.keep, "save each failed check's programs, input and a replay.sh into DIR")
      ->option_text("DIR");
  check->add_option("--jobs", args.jobs, "checks run at once (default: the number of cores; 1: one after another)")
      ->check(CLI::PositiveNumber);
  return check;
}

CLI::App* add_init_command(CLI::App& app, InitArgs& args) {
  auto* init = app.add_subcommand("init", "start a lab: copy its starter files, headers and handout into DIR");
  init->add_option("lab", args.lab, "the lab, e.g. posix-shm")->required();
  init->add_option("dir", args.dir, "where (default: a new folder named after the lab)");
  return init;
}

namespace {

// --watch shows text reports as they come: nothing else makes sense of it.
void refuse_watch_misuse(const CheckArgs& args) {
  if (args.format != "text") {
    throw UsageError(fmt::format("--watch shows a text report after each save: it can't write --format {}", args.format));
  }
  if (!args.output.empty()) {
    throw UsageError("--watch shows its reports on the terminal (or stdout): it can't write them to --output");
  }
}

std::string format_report(const Report& report, const CheckArgs& args) {
  constexpr auto dump = [](const nlohmann::ordered_json& json) {
    return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  };
  if (args.format == "json") return dump(format_json(report));
  if (args.format == "gradescope") return dump(format_gradescope(report));
  if (args.format == "prairielearn") return dump(format_prairielearn(report));
  if (args.format == "junit") return format_junit(report);
  const bool colour = args.output.empty() && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  return format_text(report, TextStyle{colour});
}

// One grading, with its live progress on a terminal, and its report written
// where asked. Returns the exit code.
int grade_and_report(const LabSpec& lab, const CheckArgs& args) {
  GradeOptions options;
  options.only = args.only;
  options.keep = args.keep;
  options.check_jobs = args.jobs;
  std::optional<LiveProgress> live;
  if (live_progress_wanted(args.format, args.output)) {
    live.emplace(lab, STDERR_FILENO);
    options.progress = [&](const GradeEvent& e) { live->show(e); };
  }
  Report report = grade_submission(lab, args.dir, options);
  if (live) live->erase();
  write_output(format_report(report, args), args.output);
  return report.exit_code();
}

// "watching mine for changes (Ctrl-C to stop); graded at 14:02:31, after pipe.c changed"
std::string watch_footer(const std::string& dir, const std::string& why) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
  return fmt::format("watching {} for changes (Ctrl-C to stop); graded at {}{}\n", dir, clock,
                     why.empty() ? "" : ", after " + why);
}

UsageError folder_gone(const std::string& dir) {
  return UsageError(fmt::format("{}: the folder is gone (deleted or moved): stopped watching", dir));
}

// --watch: a report now, then a new one after each save of a source, until
// Ctrl-C (exit 0: the verdicts were in the reports) or the folder is gone (exit 2).
int watch_and_grade(const LabSpec& lab, const CheckArgs& args) {
  CtrlC ctrl_c;
  SourceWatch watch(lab, args.dir, ctrl_c);
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  for (std::string why;;) {
    if (terminal) std::cout << "\033[H\033[2J" << std::flush;  // the report before is stale: clear the screen
    ctrl_c.grading(true);
    try {
      grade_and_report(lab, args);
    } catch (const UsageError&) {
      if (!fs::is_directory(args.dir)) throw folder_gone(args.dir);  // removed while it was graded
      throw;
    }
    ctrl_c.grading(false);
    if (ctrl_c.pressed()) return 0;
    std::cout << watch_footer(args.dir, why) << std::flush;
    const SourceWatch::Change change = watch.wait();
    if (change.what == SourceWatch::Change::What::ctrl_c) return 0;
    if (change.what == SourceWatch::Change::What::folder_gone) throw folder_gone(args.dir);
    why = fmt::format("{} changed", fmt::join(change.files, ", "));
  }
}

}  // namespace

int cmd_check(const fs::path& labs_dir, const CheckArgs& args) {
  if (args.watch) refuse_watch_misuse(args);
  const LabSpec lab = find_lab(labs_dir, args.lab);
  if (!fs::is_directory(args.dir)) throw UsageError(fmt::format("{}: no such submission directory", args.dir));
  if (const std::string wrong = submission_mismatch(lab, args.dir); !wrong.empty()) throw UsageError(wrong);
  return args.watch ? watch_and_grade(lab, args) : grade_and_report(lab, args);
}

int cmd_init(const fs::path& labs_dir, const InitArgs& args) {
  const LabSpec lab = find_lab(labs_dir, args.lab);
  const fs::path folder = args.dir.empty() ? fs::path(lab.name) : fs::path(args.dir);
  for (const auto& file : write_starter_folder(lab, folder)) fmt::print("{}\n", file.string());
  fmt::print("next: read {}, write your programs, then: labgrade check --lab {} {}\n", (folder / "README.md").string(),
             lab.name, folder.string());
  return 0;
}

}  // namespace labgrade
