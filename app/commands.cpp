#include "commands.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/reporters.hpp"
#include "labgrade/temp_dir.hpp"
#include "starter_folder.hpp"

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

int cmd_check(const fs::path& labs_dir, const std::string& lab_name, const std::string& format,
              const std::string& output_file, const fs::path& dir, const std::vector<std::string>& only) {
  LabSpec lab = find_lab(labs_dir, lab_name);
  GradeOptions options;
  options.only = only;
  Report report = grade_submission(lab, dir, options);
  std::string text;
  if (format == "json") {
    text = format_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else if (format == "gradescope") {
    text = format_gradescope(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else if (format == "junit") {
    text = format_junit(report);
  } else {
    const bool colour = output_file.empty() && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
    text = format_text(report, TextStyle{colour});
  }
  write_output(text, output_file);
  return report.exit_code();
}

int cmd_init(const fs::path& labs_dir, const std::string& lab_name, const std::string& dir) {
  const LabSpec lab = find_lab(labs_dir, lab_name);
  const fs::path folder = dir.empty() ? fs::path(lab.name) : fs::path(dir);
  for (const auto& file : write_starter_folder(lab, folder)) fmt::print("{}\n", file.string());
  fmt::print("next: read {}, write your programs, then: labgrade check --lab {} {}\n", (folder / "README.md").string(),
             lab.name, folder.string());
  return 0;
}

}  // namespace labgrade
