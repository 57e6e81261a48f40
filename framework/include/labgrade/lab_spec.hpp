// A lab's definition, read from labs/<lab>/lab.toml.
//
//   LabSpec lab = load_lab_spec("labs/posix-shm/lab.toml");   // throws LabSpecError
//   for (const CheckSpec& c : lab.checks) fmt::print("{} ({} pt)\n", c.title, c.points);
//
// The file's shape (every key but [lab].name, [programs] and [[checks]] is optional):
//
//   [lab]
//   name = "posix-shm"                  # must match the folder name
//   title = "POSIX shared memory"
//   suite = "PosixShm"                  # the GoogleTest suite holding the checks
//   reference = "../../reference/posix-shm"   # default: <labs>/../reference/<name>
//   [build]
//   compiler = "gcc"
//   flags = ["-std=gnu11", "-Wall", "-O2"]
//   libs = ["-lrt", "-lpthread"]
//   variants = [{ name = "default", flags = [] }]
//   [[build.generate]]                  # run before the compiler, in a folder of the lab's include/ files
//   command = ["rpcgen", "-h", "-o", "calc.h", "calc.x"]
//   outputs = ["calc.h"]                # the grader's own: a submission's file of that name is not used
//   [programs.shm_producer]
//   sources = ["shm_producer.c"]
//   [limits]                            # per program run inside a world
//   time_limit = 5.0  cpu_seconds = 10  memory_mb = 512  file_size_mb = 64
//   shm_mb = 64  open_files = 64  processes = 64  output_kb = 1024
//   [world]
//   shm_names = ["SYSUOS"]              # removed by name when isolation is off
//   mq_names = ["SYSUOS_mq"]            # the same, for POSIX message queues
//   files = ["SYSUOS"]                  # empty files in every world's working directory
//   spinning_is_waiting = true          # a busy-wait no one can end is stuck (see DeadlockWatch)
//   loopback = true                     # 127.0.0.1 and ::1 of the world's own (sockets, RPC)
//   rpcbind = true                      # the world's own rpcbind, started before any program (RPC)
//   [clock]                             # the grader's control of time (see labgrade_clock.c)
//   control = true                      # link sleep/usleep/nanosleep/clock_nanosleep/shmdt wrappers
//   scale = 0.05                        # an unreleased sleep lasts this fraction of its time
//   [[checks]]
//   test = "ConsumerRemovesObject"      # TEST_F(PosixShm, ConsumerRemovesObject)
//   title = "consumer removes the shared memory object"
//   points = 1.0  visibility = "visible"  tags = ["cleanup"]  timeout = 30.0
//   hint = "call shm_unlink(name) when you are done"
//   needs = ["ProducerCreatesObject"]   # skipped, with the reason, when one of these failed
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace labgrade {

struct BuildVariant {
  std::string name;
  std::vector<std::string> flags;
};

/// A command the grader runs before the compiler (a stub generator such as
/// rpcgen), once per lab and cached, in a folder holding a copy of the lab's
/// include/ files. Its outputs are sources and headers of the lab's programs.
struct GeneratorStep {
  std::vector<std::string> command;  // command[0]: a tool, found in PATH
  std::vector<std::string> outputs;  // plain file names it writes
  long line = 0;                     // where it stands in lab.toml
};

struct ProgramSpec {
  std::string name;
  std::vector<std::string> sources;
};

struct CheckSpec {
  std::string test;   // GoogleTest test name within the lab's suite
  std::string title;  // what students read
  double points = 1.0;
  std::string visibility = "visible";  // visible | hidden | after_due_date | after_published
  std::vector<std::string> tags;
  std::string hint;
  double timeout = 30.0;  // the check's deadline, seconds
  std::vector<std::string> needs;  // checks above it that must pass for it to be judged (else skipped)
  long line = 0;          // where it stands in lab.toml
};

struct Limits {
  double time_limit = 5.0;  // wall seconds per program run
  long cpu_seconds = 10;
  long memory_mb = 512;     // address space
  long file_size_mb = 64;   // also caps ftruncate of shared memory objects
  long shm_mb = 64;         // size of the world's /dev/shm
  long workdir_mb = 64;     // size of the world's working directory (files programs write)
  long open_files = 64;
  long processes = 64;       // at once in a check's world (its cgroup; RLIMIT_NPROC without)
  long world_memory_mb = 256;  // every program of a check's world and its /dev/shm together
  long output_kb = 1024;    // captured stdout/stderr per stream
};

struct LabSpec {
  std::filesystem::path file;  // lab.toml
  std::string name;
  std::string title;
  std::string suite;
  std::filesystem::path reference_dir;
  std::string compiler = "gcc";
  std::vector<std::string> flags = {"-std=gnu11", "-Wall", "-O2"};
  std::vector<std::string> libs = {"-lrt", "-lpthread"};
  std::vector<BuildVariant> variants = {{"default", {}}};
  std::vector<GeneratorStep> generators;  // [[build.generate]], in order
  std::vector<ProgramSpec> programs;
  Limits limits;
  std::vector<std::string> shm_names;
  std::vector<std::string> mq_names;  // POSIX queues, removed by name when isolation is off
  std::vector<std::string> world_files;
  bool spinning_is_waiting = false;  // [world]: the lab's programs busy-wait for each other
  bool loopback = false;             // [world]: a loopback of the world's own, up (needs namespaces)
  bool rpcbind = false;              // [world]: an rpcbind of the world's own (implies loopback)
  bool clock_control = false;
  double clock_scale = 1.0;
  std::vector<CheckSpec> checks;

  std::filesystem::path dir() const { return file.parent_path(); }
  const ProgramSpec* program(const std::string& name) const;
  /// Whether a generator step writes this file (then it is never the submission's).
  bool generated(const std::string& file) const;
  const CheckSpec* check(const std::string& test) const;
  const BuildVariant* variant(const std::string& name) const;
  double max_score() const;
  /// Its worlds need namespaces: a network of their own (loopback, rpcbind).
  bool needs_namespaces() const { return loopback || rpcbind; }
};

/// Parses and validates a lab.toml. Throws LabSpecError (file:line:column: key: what).
LabSpec load_lab_spec(const std::filesystem::path& lab_toml);

/// The candidate closest to `name` when it is likely what was meant (a typo:
/// a few letters off, or the same but for case and dashes), else "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);

/// Finds labs/<name>/lab.toml; throws UsageError naming the labs directory
/// (and the lab likely meant) when absent.
LabSpec find_lab(const std::filesystem::path& labs_dir, const std::string& name);

/// The lab.toml of every folder of labs_dir that holds one, sorted.
std::vector<std::filesystem::path> lab_files(const std::filesystem::path& labs_dir);

/// Every lab under labs_dir (folders holding a lab.toml), sorted by name.
std::vector<LabSpec> list_labs(const std::filesystem::path& labs_dir);

}  // namespace labgrade
