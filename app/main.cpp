// labgrade: the command line. Each subcommand is a short list of steps over
// the framework; exit codes as in cli.md (0 ok, 1 a check failed, 2 bad
// usage or input, 3 the grader broke).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "labgrade/batch.hpp"
#include "labgrade/class_report.hpp"
#include "labgrade/error.hpp"
#include "labgrade/shard.hpp"
#include "labgrade/world.hpp"
#include "labgrade/grader_build.hpp"
#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/reporters.hpp"
#include "labgrade/selftest.hpp"
#include "new_lab.hpp"
#include "commands.hpp"
#include "kit.hpp"

namespace fs = std::filesystem;
using namespace labgrade;

namespace {

constexpr int k_exit_usage = 2;
constexpr int k_exit_grader = 3;

bool run_from_build_tree() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path() == fs::path(LABGRADE_BINARY_DIR);
}

// The labs beside the program (installed), else the source tree's for the
// program of a build tree; never a folder of the machine that built an
// installed labgrade.
fs::path default_labs_dir() {
  if (auto installed = labs_beside_program()) return *installed;
  if (run_from_build_tree()) return fs::path(LABGRADE_SOURCE_DIR) / "labs";
  throw UsageError("no labs beside this labgrade (no ../share/labgrade/labs beside it): pass --labs-dir DIR");
}

// The framework's headers and libraries, for compiling a course's checks and
// kits: the installation's (labgrade-dev), or the build tree's for the
// program of a build tree (else none: the error says to install labgrade-dev).
FrameworkFiles framework_for_checks() {
  if (auto installed = framework_beside_program()) return *installed;
  if (run_from_build_tree()) {
    return {fs::path(LABGRADE_SOURCE_DIR) / "framework" / "include",
            fs::path(LABGRADE_BINARY_DIR) / "framework" / "liblabgrade_framework.a",
            fs::path(LABGRADE_BINARY_DIR) / "app" / "liblabgrade_student.a"};
  }
  std::error_code ec;
  const fs::path prefix = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
  return {prefix / "include", prefix / "lib" / "liblabgrade_framework.a", prefix / "lib" / "liblabgrade_student.a"};
}

// Ctrl-C during a batch: the first stops taking students (those in progress
// finish and are kept), the second ends labgrade now (every program and world
// of ours dies with it: they are killed with their grader).
std::atomic<bool> g_stop{false};

void on_interrupt(int) {
  if (g_stop.exchange(true)) {
    ::signal(SIGINT, SIG_DFL);
    ::raise(SIGINT);
  }
  const char note[] = "\nlabgrade: stopping after the students in progress (Ctrl-C again to stop now)\n";
  ssize_t ignored = ::write(STDERR_FILENO, note, sizeof note - 1);
  (void)ignored;
}

// Progress: a bar redrawn in place on a terminal, a plain line a student otherwise.
void show_progress(const BatchProgress& p, bool terminal) {
  const double rate = p.seconds > 0 ? static_cast<double>(p.done - p.reused) / p.seconds : 0;
  const double left = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
  if (terminal) {
    constexpr int k_width = 30;
    const int filled = p.total > 0 ? static_cast<int>(k_width * p.done / p.total) : k_width;
    fmt::print(stderr, "\r[{}{}] {}/{}  {:.1f} students/s  {:.0f} s left ", std::string(filled, '#'),
               std::string(k_width - filled, '.'), p.done, p.total, rate, left);
    if (p.done == p.total) fmt::print(stderr, "\n");
  } else if (p.last != nullptr) {
    const StudentResult& s = *p.last;
    std::string what = !s.problem.empty() ? "not graded: " + s.problem
                       : fmt::format("{:g}/{:g}{}", s.report.score(), s.report.max_score(),
                                     s.report.has_grader_error() ? ", grader error" : "");
    fmt::print(stderr, "[{}/{}] {}: {}{}\n", p.done, p.total, s.name, what, s.graded_now ? "" : " (unchanged)");
  }
}

struct ShardArgs {
  std::string shard;  // "K/N"
  int shards = 0;     // N, with the index from the engine's environment
};

// --shard K/N, else an array job's index in the environment (with --shards N
// where the engine does not give the count), else the whole class.
Shard shard_of(const ShardArgs& args) {
  if (!args.shard.empty()) return parse_shard(args.shard);
  if (auto from_engine = shard_from_environment(args.shards > 0 ? std::optional<int>(args.shards) : std::nullopt)) {
    return *from_engine;
  }
  if (args.shards > 0) {
    throw UsageError("--shards N needs the shard's index from an array job (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX "
                     "or AWS_BATCH_JOB_ARRAY_INDEX), or --shard K/N");
  }
  return Shard{};
}

int cmd_grade(const fs::path& labs_dir, const std::string& lab_name, int jobs, const fs::path& out_dir,
              const fs::path& submissions, const ShardArgs& shard_args) {
  LabSpec lab = find_lab(labs_dir, lab_name);
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  BatchOptions options;
  options.shard = shard_of(shard_args);
  options.jobs = jobs;
  options.out_dir = out_dir;
  options.version = LABGRADE_VERSION;
  options.stop = &g_stop;
  options.progress = [&](const BatchProgress& p) { show_progress(p, terminal); };
  ::signal(SIGINT, on_interrupt);
  BatchResult batch = grade_batch(lab, submissions, options);
  ::signal(SIGINT, SIG_DFL);
  write_class_files(lab, batch.students, out_dir);
  int grader_errors = 0;
  for (const auto& s : batch.students) grader_errors += s.report.has_grader_error() || !s.problem.empty();
  fmt::print(stderr, "{} students graded into {} ({} with a grader error or not graded){}{}\n", batch.students.size(),
             out_dir.string(), grader_errors,
             options.shard.count > 1 ? fmt::format("; shard {}: merge the shards' OUTs with `labgrade merge`", options.shard.text()) : "",
             batch.stopped ? "; stopped early: run again to finish" : "");
  return batch.stopped ? 130 : 0;
}

// The class's files from every shard's students, as one run would have written them.
int cmd_merge(const fs::path& labs_dir, const fs::path& out_dir, const std::vector<std::string>& shard_outs) {
  std::vector<fs::path> shards(shard_outs.begin(), shard_outs.end());
  MergedClass merged = merge_shards(out_dir, shards);
  if (merged.lab.empty()) throw UsageError("the shards hold no graded student: nothing to merge");
  const LabSpec lab = find_lab(labs_dir, merged.lab);
  write_class_files(lab, merged.students, out_dir);
  fmt::print(stderr, "{} students of {} shards merged into {} (grades.csv, report.html)\n", merged.students.size(),
             shards.size(), out_dir.string());
  return 0;
}

int cmd_selftest(const fs::path& labs_dir, const std::string& lab_name) {
  std::vector<LabSpec> labs;
  if (lab_name.empty()) labs = list_labs(labs_dir);
  else labs.push_back(find_lab(labs_dir, lab_name));
  bool ok = true, refused = false;
  for (const auto& lab : labs) {
    if (std::string why = why_not_provable_here(lab); !why.empty()) {  // the others are still proved
      std::cout << fmt::format("selftest {}\nNOT RUN: {}\n", lab.name, why);
      refused = true;
      continue;
    }
    SelftestResult result = selftest_lab(lab, GradeOptions{});
    std::cout << format_selftest(result) << std::flush;
    ok = ok && result.ok();
  }
  return !ok ? 1 : refused ? k_exit_grader : 0;
}

int cmd_kit(const fs::path& labs_dir, const std::string& lab_name, const KitOptions& options) {
  const LabSpec lab = find_lab(labs_dir, lab_name);
  const KitMade made = make_kit(lab, options);
  fmt::print("wrote {} ({:.1f} MiB): {}\n", options.out.string(), static_cast<double>(made.bytes) / (1 << 20),
             options.gradescope ? "Gradescope's autograder, every check" : "a student kit, no solution in it");
  if (!made.left_out.empty()) fmt::print("left out (not visible to students): {}\n", fmt::join(made.left_out, ", "));
  fmt::print("proved: {}\n", made.proof);
  fmt::print("runs where glibc is {} or newer{}\n", made.glibc,
             made.runs_on_ubuntu_2204 ? " (Ubuntu 22.04 and 24.04, Debian 12)"
                 : ": made on a newer system than Debian 12 or Ubuntu 22.04, it will not run on those");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  if (auto code = runner_entry(argc, argv)) return *code;

  CLI::App app{"labgrade: grades C labs on inter-process communication"};
  app.set_version_flag("--version", std::string("labgrade ") + LABGRADE_VERSION);
  app.require_subcommand(1);
  std::string labs_dir, course;
  auto* labs_dir_option =
      app.add_option("--labs-dir", labs_dir, "where the lab definitions are (default: the labs installed with labgrade)");
  app.add_option("--course", course,
                 "a course's folder of labs of its own (labs/, reference/, graders/): its labs/ is the labs folder")
      ->excludes(labs_dir_option);

  auto* list = app.add_subcommand("list", "the labs labgrade knows: name and title");

  CheckArgs check_args;
  auto* check = add_check_command(app, check_args, "grade one submission directory");

  auto* grade = app.add_subcommand("grade", "grade a class: every subdirectory of SUBMISSIONS is a student");
  std::string grade_lab, out_dir, submissions;
  int jobs = 0;
  grade->add_option("--lab", grade_lab, "the lab to grade, e.g. posix-shm")->required();
  grade->add_option("--jobs", jobs, "students graded at once (default: the number of cores)");
  grade->add_option("--out", out_dir, "where grades.csv, report.html and each student's files go")->required();
  grade->add_option("submissions", submissions, "the folder of the students' submissions")->required();
  ShardArgs shard_args;
  grade->add_option("--shard", shard_args.shard, "grade only the K-th of N slices of the class (by name), e.g. 2/4");
  grade->add_option("--shards", shard_args.shards,
                    "N slices, the index from an array job's environment (Slurm, Kubernetes, AWS Batch)");

  auto* merge = app.add_subcommand("merge", "make grades.csv and report.html of a class graded in shards");
  std::string merge_out;
  std::vector<std::string> merge_shard_outs;
  merge->add_option("out", merge_out, "where the class's files (and every student's folder) go")->required();
  merge->add_option("shard_outs", merge_shard_outs, "each shard's --out")->required();

  InitArgs init_args;
  auto* init = add_init_command(app, init_args);

  auto* new_lab = app.add_subcommand("new-lab", "write a new lab's skeleton in a course folder (--course, default: here)");
  new_lab->fallthrough();  // --course may follow the name
  std::string new_lab_name;
  new_lab->add_option("name", new_lab_name, "the lab's name: lowercase letters, digits and dashes")->required();

  auto* kit = app.add_subcommand("kit", "a student kit: the lab's self-check with no solution in it (or Gradescope's autograder)");
  std::string kit_lab, kit_out;
  bool kit_gradescope = false;
  kit->add_option("--lab", kit_lab, "the lab, e.g. posix-shm")->required();
  kit->add_option("--out", kit_out, "the archive to write: .tar.gz, .tgz or .zip")->required();
  kit->add_flag("--gradescope", kit_gradescope,
                "Gradescope's autograder zip instead: every check (hidden ones too), setup.sh, run_autograder");

  auto* selftest = app.add_subcommand("selftest", "prove each lab: reference full marks, every mutant caught");
  std::string selftest_lab_name;
  selftest->add_option("lab", selftest_lab_name, "one lab (default: all)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : k_exit_usage;
  }

  try {
    if (*new_lab) {
      const fs::path folder = course.empty() ? fs::current_path() : fs::path(course);
      for (const auto& file : write_new_lab(folder, new_lab_name)) fmt::print("{}\n", file.string());
      fmt::print("prove it: labgrade --course {} selftest {}\n", folder.string(), new_lab_name);
      return 0;
    }
    if (!course.empty()) labs_dir = (fs::path(course) / "labs").string();
    if (labs_dir.empty()) labs_dir = default_labs_dir().string();
    use_framework(framework_for_checks());
    if (*init) return cmd_init(labs_dir, init_args);
    if (*list) return cmd_list(labs_dir);
    if (*check) return cmd_check(labs_dir, check_args);
    if (*grade) return cmd_grade(labs_dir, grade_lab, jobs, out_dir, submissions, shard_args);
    if (*merge) return cmd_merge(labs_dir, merge_out, merge_shard_outs);
    if (*selftest) return cmd_selftest(labs_dir, selftest_lab_name);
    if (*kit) return cmd_kit(labs_dir, kit_lab, KitOptions{kit_out, kit_gradescope});
  } catch (const UsageError& e) {
    fmt::print(stderr, "labgrade: {}\n", e.what());
    return k_exit_usage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "labgrade: grader error (a bug in labgrade, not in the submission): {}\n", e.what());
    return k_exit_grader;
  }
  return k_exit_usage;
}
