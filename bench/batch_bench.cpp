// The instructor's batch at class size: N students made from a lab's
// reference and mutants (some zipped, some tarred, a few broken archives),
// graded by `labgrade grade` with --jobs 1 and --jobs 2 in the same run, then
// again with nothing changed. Prints seconds and the speed-up.
//   build/bench/batch_bench [LAB] [N] [ROUNDS]   (default posix-shm, 200, 1)
// With ROUNDS > 1 the pair (--jobs 1, --jobs 2) is timed ROUNDS times, one
// after the other, and the median of the pairs' speed-ups is the figure.
// BATCH_BENCH_OUT=DIR keeps the class's files (grades.csv, report.html, ...);
// BATCH_BENCH_CLASS=DIR keeps the submissions, to grade them again by hand.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "../framework/tests/archive_writer.hpp"
#include "labgrade/core_shares.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/selftest.hpp"
#include "labgrade/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace labgrade;

namespace {

// The files of a folder as archive entries.
std::vector<test::Entry> entries_of(const fs::path& dir, const std::string& prefix) {
  std::vector<test::Entry> entries;
  if (!prefix.empty()) entries.push_back({prefix + "/", "", test::Entry::folder});
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    entries.push_back({(prefix.empty() ? "" : prefix + "/") + e.path().filename().string(), data});
  }
  return entries;
}

// The CPU seconds of every child reaped so far (and of theirs).
double children_cpu_seconds() {
  struct rusage usage {};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

struct Timed {
  double seconds;
  double cores_busy;  // CPU seconds / wall seconds
};

// Runs `labgrade grade ...` (its output is dropped).
Timed timed(const std::vector<std::string>& argv) {
  auto start = std::chrono::steady_clock::now();
  const double cpu_before = children_cpu_seconds();
  const HostCommandResult r = run_on_host({.argv = argv, .time_limit = 3600});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.exited_with(0)) {
    fmt::print(stderr, "batch_bench: `{}` {}: {}\n", fmt::join(argv, " "), r.describe(), r.err.bytes.substr(0, 2000));
    std::exit(1);
  }
  return {seconds, (children_cpu_seconds() - cpu_before) / seconds};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string lab_name = argc > 1 ? argv[1] : "posix-shm";
  const int n = argc > 2 ? std::atoi(argv[2]) : 200;
  const int rounds = std::max(1, argc > 3 ? std::atoi(argv[3]) : 1);
  const fs::path source = LABGRADE_SOURCE_DIR;
  const fs::path labgrade = fs::path(LABGRADE_BINARY_DIR) / "labgrade";
  LabSpec lab = load_lab_spec(source / "labs" / lab_name / "lab.toml");
  TempDir scratch("labgrade-batch-bench-");
  const fs::path known = scratch.path() / "known", subs = scratch.path() / "submissions";
  const auto kinds = write_known_submissions(lab, known);
  fs::create_directories(subs);
  int zipped = 0, tarred = 0, broken = 0;
  for (int i = 0; i < n; ++i) {
    const std::string kind = kinds[static_cast<std::size_t>(i) % kinds.size()];
    const std::string name = fmt::format("student{:03}", i);
    // Each student's files their own (a comment): compiled, as real students'
    // code is, never taken from the compile cache for another's.
    const fs::path made = scratch.path() / "made" / name;
    fs::create_directories(made.parent_path());
    fs::copy(known / kind, made, fs::copy_options::recursive);
    for (const auto& file : fs::directory_iterator(made)) {
      if (file.path().extension() == ".c") std::ofstream(file.path(), std::ios::app) << "/* " << name << " */\n";
    }
    if (i % 67 == 66) {  // a broken archive
      std::ofstream(subs / (name + ".zip")) << "PK\x03\x04 not really a zip";
      ++broken;
    } else if (i % 5 == 1) {
      test::write_archive(subs / (name + ".zip"), entries_of(made, name + "-" + lab_name));
      ++zipped;
    } else if (i % 5 == 3) {
      test::write_archive(subs / (name + ".tar.gz"), entries_of(made, ""), false);
      ++tarred;
    } else {
      fs::copy(made, subs / name, fs::copy_options::recursive);
    }
  }
  if (const char* keep = std::getenv("BATCH_BENCH_CLASS"); keep != nullptr) {
    fs::remove_all(keep);
    fs::copy(subs, keep, fs::copy_options::recursive);
  }
  ::setenv("LABGRADE_CACHE_DIR", (scratch.path() / "cache").c_str(), 1);  // the class's own cache, for every grade below
  auto grade = [&](const char* jobs, const fs::path& out, const fs::path& submissions) {
    return timed({labgrade.string(), "grade", "--lab", lab_name, "--jobs", jobs, "--out", out.string(), submissions.string()});
  };
  grade("1", scratch.path() / "warm", known);
  // Each timed grading starts from the warm cache (the reference built), not
  // from the programs the other one compiled: each compiles the whole class.
  auto from_warm_cache = [&](const std::string& name) {
    const fs::path cache = scratch.path() / name;
    fs::copy(scratch.path() / "cache", cache, fs::copy_options::recursive);
    ::setenv("LABGRADE_CACHE_DIR", cache.c_str(), 1);
  };
  std::vector<double> ones, twos, ratios, busy1, busy2;
  for (int r = 0; r < rounds; ++r) {
    const std::string round = r == 0 ? "" : fmt::format("-{}", r);
    from_warm_cache("cache1" + round);
    const Timed one = grade("1", scratch.path() / ("out1" + round), subs);
    from_warm_cache("cache2" + round);
    const Timed two = grade("2", scratch.path() / ("out2" + round), subs);
    ones.push_back(one.seconds);
    twos.push_back(two.seconds);
    ratios.push_back(one.seconds / two.seconds);
    busy1.push_back(one.cores_busy);
    busy2.push_back(two.cores_busy);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  const double one = median(ones), two = median(twos);
  const double again = grade("2", scratch.path() / "out2", subs).seconds;
  if (const char* keep = std::getenv("BATCH_BENCH_OUT"); keep != nullptr) {  // the class's files, to look at
    fs::remove_all(keep);
    fs::copy(scratch.path() / "out2", keep, fs::copy_options::recursive);
  }
  fmt::print("{} students of {} ({} folders, {} zipped, {} tar.gz, {} broken archives; {} kinds: reference + mutants)\n",
             n, lab_name, n - zipped - tarred - broken, zipped, tarred, broken, kinds.size());
  fmt::print("grade --jobs 1:                 {:.2f} s\n", one);
  fmt::print("grade --jobs 2:                 {:.2f} s  (speed-up {:.2f}x, target >= 1.8)\n", two, median(ratios));
  if (rounds > 1) {
    fmt::print("speed-up of each pair:          {:.2f}x (median of {} pairs; the times above are medians too)\n",
               fmt::join(ratios, "x, "), rounds);
  }
  fmt::print("cores kept busy (CPU s / wall s): --jobs 1 {:.2f}, --jobs 2 {:.2f} (of {})\n", median(busy1),
             median(busy2), core_count());
  fmt::print("rerun, nothing changed:         {:.2f} s  (target < 2 s)\n", again);
  // The verdicts must not depend on how many students are graded at once.
  auto rows = [](const fs::path& csv) {
    std::ifstream in(csv);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const auto rows1 = rows(scratch.path() / "out1" / "grades.csv"), rows2 = rows(scratch.path() / "out2" / "grades.csv");
  std::size_t differ = rows1.size() == rows2.size() ? 0 : std::max(rows1.size(), rows2.size());
  for (std::size_t i = 0; rows1.size() == rows2.size() && i < rows1.size(); ++i) {
    if (rows1[i] == rows2[i]) continue;
    if (differ++ == 0) fmt::print("first difference: --jobs 1 \"{}\", --jobs 2 \"{}\"\n", rows1[i], rows2[i]);
  }
  fmt::print("grades.csv of --jobs 1 and 2:   {}\n", differ == 0 ? "identical" : fmt::format("{} rows differ", differ));
  return differ == 0 ? 0 : 1;
}
