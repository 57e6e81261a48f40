#include "kit.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gradescope_files.hpp"
#include "labgrade/archive.hpp"
#include "labgrade/builder.hpp"
#include "labgrade/error.hpp"
#include "labgrade/grader_build.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/temp_dir.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

bool is_archive_name(const fs::path& out, bool gradescope) {
  const std::string name = out.filename().string();
  if (gradescope) return name.ends_with(".zip");
  return name.ends_with(".tar.gz") || name.ends_with(".tgz") || name.ends_with(".zip");
}

// The checks a student's self-check never shows or runs: all but the visible ones.
std::vector<std::string> checks_left_out(const LabSpec& lab, bool gradescope) {
  std::vector<std::string> out;
  if (gradescope) return out;
  for (const auto& check : lab.checks) {
    if (check.visibility != "visible") out.push_back(check.test);
  }
  return out;
}

// lab.toml as the instructor wrote it (comments and all), without the
// [[checks]] tables left out and without a `reference` key (the kit's
// reference is where labgrade looks by default).
std::string kit_lab_toml(const LabSpec& lab, const std::vector<std::string>& left_out) {
  std::ifstream in(lab.file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<bool> drop(lines.size(), false);
  static const std::regex table_header(R"(^\s*\[)");
  static const std::regex reference_key(R"(^\s*reference\s*=)");
  for (const auto& check : lab.checks) {
    if (std::find(left_out.begin(), left_out.end(), check.test) == left_out.end()) continue;
    std::size_t i = static_cast<std::size_t>(check.line - 1);
    for (drop[i++] = true; i < lines.size() && !std::regex_search(lines[i], table_header); ++i) drop[i] = true;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!drop[i] && !std::regex_search(lines[i], reference_key)) out += lines[i] + "\n";
  }
  return out;
}

// The lab's folder but its mutants (and anything of the reference or the
// checks kept inside it), with lab.toml rewritten; proved by reading it back.
void copy_lab(const LabSpec& lab, const std::vector<std::string>& left_out, const fs::path& to) {
  const fs::path graders = graders_dir(lab);
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(lab.dir()); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& from = it->path();
    const fs::path relative = from.lexically_relative(lab.dir());
    if (relative == "mutants" || from == lab.reference_dir || from == graders || relative == "lab.toml") {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) fs::create_directories(to / relative);
    else if (it->is_regular_file()) fs::copy_file(from, to / relative);
  }
  std::ofstream(to / "lab.toml") << kit_lab_toml(lab, left_out);
  const LabSpec back = load_lab_spec(to / "lab.toml");
  if (back.checks.size() + left_out.size() != lab.checks.size()) {
    throw GraderError(fmt::format("the kit's lab.toml holds {} checks, not the {} visible ones of {}", back.checks.size(),
                                  lab.checks.size() - left_out.size(), lab.file.string()));
  }
}

std::string run_tool(const std::vector<std::string>& argv) {
  HostCommand tool;
  tool.argv = argv;
  tool.time_limit = 60.0;
  tool.output_cap = 16 << 20;
  HostCommandResult r = run_on_host(tool);
  if (!r.exited_with(0)) throw GraderError(fmt::format("{} {}: {}", argv.front(), r.describe(), r.err.bytes));
  return std::move(r.out.bytes);
}

// The newest glibc version any program of the kit needs ("2.34"), from the
// versions of its dynamic symbols (objdump -T).
std::string newest_glibc(const fs::path& kit) {
  static const std::regex version(R"(GLIBC_(\d+)\.(\d+))");
  std::pair<int, int> newest{0, 0};
  for (const auto& entry : fs::recursive_directory_iterator(kit)) {
    if (!entry.is_regular_file() || ::access(entry.path().c_str(), X_OK) != 0) continue;
    const std::string symbols = run_tool({"/usr/bin/objdump", "-T", entry.path().string()});
    for (std::sregex_iterator m(symbols.begin(), symbols.end(), version), end; m != end; ++m) {
      newest = std::max(newest, std::pair{std::stoi((*m)[1].str()), std::stoi((*m)[2].str())});
    }
  }
  return fmt::format("{}.{}", newest.first, newest.second);
}

// The reference programs, built (or from the cache) and stripped.
void copy_reference_programs(const LabSpec& lab, const fs::path& to) {
  const Builds builds = build_reference(lab, default_cache_dir(), 0);
  for (const auto& [key, build] : builds.all()) {
    const fs::path program = to / build.variant / build.program;
    fs::create_directories(program.parent_path());
    fs::copy_file(build.executable, program);
    fs::permissions(program, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    run_tool({"/usr/bin/strip", "--strip-all", program.string()});
  }
}

bool glibc_at_most(const std::string& version, const std::string& limit) {
  auto parts = [](const std::string& v) { return std::pair{std::stoi(v), std::stoi(v.substr(v.find('.') + 1))}; };
  return parts(version) <= parts(limit);
}

std::string student_readme(const LabSpec& lab, std::size_t left_out, const std::string& glibc) {
  double points = 0;
  std::size_t checks = 0;
  for (const auto& c : lab.checks) {
    if (c.visibility == "visible") points += c.points, ++checks;
  }
  return fmt::format(R"(# Self-check: {title} (`{lab}`)

This folder is labgrade for one lab: it compiles your C programs for `{lab}`,
runs them against the course's reference programs and tells you, check by
check, what works, what does not, and what to fix first. It runs on Linux
(x86-64, glibc {glibc} or newer{systems}) with `gcc` installed; it needs
no root and nothing else.

## Start

    export PATH="$PWD/bin:$PATH"          # or call bin/labgrade by its path
    labgrade init {lab} my-{lab}          # the starter files, headers and the handout (README.md)
    cd my-{lab}
    # read README.md, write your programs, then:
    labgrade check --lab {lab} .

`check` prints each check with PASS or FAIL and its points; a failed check
says what was expected, what happened, and a hint. Run one check again with
`--only NAME`. Exit status: 0 when every check passed, 1 when one failed.

While you work, `labgrade check --lab {lab} --watch .` grades again each
time you save a source file (Ctrl-C to stop). To look at a failure
yourself, `--keep replays` saves each failed check's programs, their input
and a `replay.sh` that runs them again as the check did: `sh
replays/NAME/replay.sh`, or its commands by hand (under gdb, strace).

## What it checks

The {checks} checks your instructor made visible ({points:g} points){hidden}.
Your programs run in a private world of their own (no network but a
loopback of its own where the lab needs one, none of your files but the
submission's), as the grader runs them.

If the report says "isolation was off", your system does not let programs
make user namespaces (Ubuntu 24.04 restricts them): labgrade then runs the
checks one at a time, contained by Landlock and seccomp; the verdicts are the
same.

## What is in this folder

- `bin/labgrade`: the program (`check`, `init`, `list`, `--help`).
- `share/labgrade/labs/{lab}/`: the lab (lab.toml, the handout README.md,
  starter/ and include/).
- `share/labgrade/reference/{lab}/`: the reference programs, built: your
  programs talk to them in the checks. Their sources are not here.
)",
                     fmt::arg("title", lab.title), fmt::arg("glibc", glibc),
                     fmt::arg("systems", glibc_at_most(glibc, "2.35") ? ": Ubuntu 22.04 and 24.04, Debian 12, ..." : ""), fmt::arg("lab", lab.name), fmt::arg("checks", checks),
                     fmt::arg("points", points),
                     fmt::arg("hidden", left_out == 0 ? ""
                                                      : fmt::format("; your instructor grades with {} more that are "
                                                                    "not in this kit",
                                                                    left_out)));
}

// The kit's labgrade grades the reference sources: full marks, or the kit is broken.
std::string prove(const LabSpec& lab, const fs::path& program) {
  const auto start = std::chrono::steady_clock::now();
  HostCommand check;
  check.argv = {program.string(), "check", "--lab", lab.name, "--format", "json", lab.reference_dir.string()};
  check.time_limit = 600.0;
  check.output_cap = 16 << 20;
  const HostCommandResult status = run_on_host(check);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double score = -1, max_score = -1;
  try {
    const auto report = nlohmann::json::parse(status.out.bytes);
    score = report.at("score").get<double>();
    max_score = report.at("max_score").get<double>();
  } catch (const std::exception&) {
  }
  if (!status.exited_with(0) || score != max_score) {
    throw GraderError(fmt::format("the kit's labgrade does not give the reference full marks ({}: {}/{}): {}{}",
                                  status.describe(), score, max_score, status.err.bytes, status.out.bytes.substr(0, 4000)));
  }
  return fmt::format("{:g}/{:g} points for the reference in {:.1f} s", score, max_score, seconds);
}

}  // namespace

KitMade make_kit(const LabSpec& lab, const KitOptions& options) {
  if (!is_archive_name(options.out, options.gradescope)) {
    throw UsageError(fmt::format("{}: a kit is written as {}", options.out.string(),
                                 options.gradescope ? "a .zip (Gradescope's autograder)" : "a .tar.gz, .tgz or .zip"));
  }
  const fs::path folder = fs::absolute(options.out).parent_path();
  if (!fs::is_directory(folder) || ::access(folder.c_str(), W_OK) != 0) {
    throw UsageError(fmt::format("{}: cannot write there (no such folder, or not writable)", options.out.string()));
  }
  if (const std::string why = why_ungradable(lab); !why.empty()) throw UsageError(fmt::format("lab {}: {}", lab.name, why));
  KitMade made;
  made.left_out = checks_left_out(lab, options.gradescope);
  TempDir stage("labgrade-kit-");
  const fs::path kit = stage.path() / (options.gradescope ? "labgrade" : "labgrade-" + lab.name);
  const fs::path share = kit / "share" / "labgrade";
  copy_lab(lab, made.left_out, share / "labs" / lab.name);
  copy_reference_programs(lab, share / "reference" / lab.name);
  fs::create_directories(kit / "bin");
  link_kit_program(lab, made.left_out, kit / "bin" / "labgrade");
  made.proof = prove(lab, kit / "bin" / "labgrade");
  made.glibc = newest_glibc(kit);
  made.runs_on_ubuntu_2204 = glibc_at_most(made.glibc, "2.35");
  if (options.gradescope) {
    write_gradescope_files(stage.path(), lab.name);
  } else {
    std::ofstream(kit / "README.md") << student_readme(lab, made.left_out.size(), made.glibc);
  }
  pack_folder(stage.path(), fs::absolute(options.out));
  made.bytes = fs::file_size(options.out);
  return made;
}

}  // namespace labgrade
