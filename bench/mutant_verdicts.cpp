// Time to verdict of every known submission of the bundled labs (the
// reference, which passes, and every mutant, which fails), graded one at a
// time by `labgrade check`, for one or two labgrade programs in the same run.
// Prints a row a submission, then per program the 95th percentile of the
// failing and of the passing checks, their ratio, and the slowest failing one.
//   build/bench/mutant_verdicts NEW [OLD] [LAB...]
// (NEW, OLD: labgrade programs; both grade the labs of this source tree.)
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "labgrade/host_command.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/selftest.hpp"
#include "labgrade/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace labgrade;

namespace {

struct Timing {
  double seconds = 0;
  int exit_code = 0;
};

Timing check(const fs::path& labgrade, const std::string& lab, const fs::path& dir) {
  HostCommand command;  // its report is dropped
  command.argv = {labgrade.string(), "--labs-dir", (fs::path(LABGRADE_SOURCE_DIR) / "labs").string(), "check", "--lab", lab,
                  dir.string()};
  command.time_limit = 600;
  const auto start = std::chrono::steady_clock::now();
  const HostCommandResult r = run_on_host(command);
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          r.ending == HostCommandResult::Ending::exited ? r.exit_status : -1};
}

double p95(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(0.95 * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: mutant_verdicts NEW_LABGRADE [OLD_LABGRADE] [LAB...]\n");
    return 2;
  }
  std::vector<fs::path> programs = {fs::absolute(argv[1])};
  int next = 2;
  if (argc > 2 && fs::is_regular_file(argv[2])) programs.push_back(fs::absolute(argv[next++]));
  std::vector<std::string> labs(argv + next, argv + argc);
  if (labs.empty()) {
    for (const auto& lab : list_labs(fs::path(LABGRADE_SOURCE_DIR) / "labs")) labs.push_back(lab.name);
  }
  TempDir scratch("labgrade-bench-");
  std::vector<std::vector<double>> failing(programs.size()), passing(programs.size());
  std::vector<std::pair<double, std::string>> slowest(programs.size());
  fmt::print("{:<16} {:<34}", "lab", "submission");
  for (std::size_t p = 0; p < programs.size(); ++p) fmt::print(" {:>12}", p == 0 ? "new s (exit)" : "old s (exit)");
  fmt::print("\n");
  for (const auto& name : labs) {
    const LabSpec lab = load_lab_spec(fs::path(LABGRADE_SOURCE_DIR) / "labs" / name / "lab.toml");
    const fs::path into = scratch.path() / name;
    for (const auto& kind : write_known_submissions(lab, into)) {
      fmt::print("{:<16} {:<34}", name, kind);
      for (std::size_t p = 0; p < programs.size(); ++p) {
        const Timing t = check(programs[p], name, into / kind);
        fmt::print(" {:>7.2f} ({})", t.seconds, t.exit_code);
        (kind == "reference" ? passing : failing)[p].push_back(t.seconds);
        if (kind != "reference" && t.seconds > slowest[p].first) slowest[p] = {t.seconds, name + "/" + kind};
      }
      fmt::print("\n");
      std::fflush(stdout);
    }
  }
  for (std::size_t p = 0; p < programs.size(); ++p) {
    const double f = p95(failing[p]), ok = p95(passing[p]);
    fmt::print("{}: p95 failing {:.2f} s, passing {:.2f} s, ratio {:.2f}; slowest failing {:.2f} s ({})\n",
               p == 0 ? "new" : "old", f, ok, ok > 0 ? f / ok : 0, slowest[p].first, slowest[p].second);
  }
  return 0;
}
