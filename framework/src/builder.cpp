#include "labgrade/builder.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "labgrade/cache_folder.hpp"
#include "labgrade/compile_cache.hpp"
#include "labgrade/content_hash.hpp"
#include "labgrade/error.hpp"
#include "labgrade/generator.hpp"
#include "labgrade/process.hpp"
#include "labgrade/host_command.hpp"
#include "shim_sources.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr double k_compile_time_limit = 60.0;
constexpr long k_compiler_address_space_mb = 2048;  // each of cc1, as, ld
constexpr long k_compiler_file_size_mb = 256;       // an assembly file, an object, a program
constexpr long k_compilers_memory_mb = 3072;        // the compilers of a build together (cgroup)
constexpr std::size_t k_summary_lines = 4;

std::string find_in_path(const std::string& program) {
  std::string path = resolve_host_program(HostCommand{.argv = {program}});
  if (path.empty()) throw GraderError(fmt::format("compiler \"{}\" not found in PATH (run scripts/setup.sh)", program));
  return path;
}

// The first errors, as the student would read them at the top of gcc's output.
std::string summarize(const std::string& diagnostics) {
  std::stringstream in(diagnostics);
  std::string line, out;
  std::size_t kept = 0;
  while (kept < k_summary_lines && std::getline(in, line)) {
    bool is_error = line.find("error:") != std::string::npos ||
                    line.find("undefined reference") != std::string::npos;
    if (!is_error) continue;
    out += (out.empty() ? "" : "\n") + line;
    ++kept;
  }
  if (out.empty()) {  // no "error:" line (cc1: out of memory ...): its first words
    std::stringstream again(diagnostics);
    while (out.empty() && std::getline(again, line)) out = line;
  }
  return out;
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

constexpr const char* k_clock_wraps =
    "-Wl,--wrap=sleep,--wrap=usleep,--wrap=nanosleep,--wrap=clock_nanosleep,--wrap=shmdt";

fs::path clock_shim_object(const std::string& compiler, const fs::path& cache_dir);

struct Job {
  BuildResult result;
  std::string key;  // compile_key: the same files, command and compiler built before are not compiled again
  std::vector<std::string> argv;
  fs::path cwd;
  std::shared_ptr<Process> process;
};

constexpr std::uintmax_t k_max_source_bytes = 4u << 20;

// The program's sources a submission holds: not those the lab generates.
std::vector<std::string> handed_in(const LabSpec& lab, const ProgramSpec& program) {
  std::vector<std::string> out;
  for (const auto& source : program.sources) {
    if (!lab.generated(source)) out.push_back(source);
  }
  return out;
}

// The .c files of the submission that no program of the lab names (a
// student's own names for the lab's files, most likely).
std::vector<std::string> unclaimed_sources(const LabSpec& lab, const fs::path& submission) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(submission, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".c" || lab.generated(name)) continue;
    bool claimed = false;
    for (const auto& program : lab.programs) {
      for (const auto& source : program.sources) claimed = claimed || fs::path(source).filename() == name;
    }
    if (!claimed) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What is wrong with a file of the submission as C source text, if anything.
std::string source_problem(const fs::path& submission, const std::string& name,
                           const std::vector<std::string>& unclaimed = {}) {
  const fs::path file = submission / name;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) {
    if (unclaimed.empty()) return fmt::format("{} is missing: the submission must contain it", name);
    return fmt::format("{} is missing: the submission must contain it (found {}: name your files as the handout does)",
                       name, fmt::join(unclaimed, ", "));
  }
  if (fs::is_symlink(fs::symlink_status(file, ec))) {
    const fs::path target = fs::weakly_canonical(file, ec);
    const fs::path root = fs::weakly_canonical(submission, ec);
    auto [end, ignored] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
    if (end != root.end())
      return fmt::format("{} is a symbolic link to {}, outside the submission: submit the file itself", name,
                         target.string());
  }
  if (!fs::is_regular_file(file, ec)) return fmt::format("{} is not a regular file: submit the C source itself", name);
  const std::uintmax_t size = fs::file_size(file, ec);
  if (size > k_max_source_bytes)
    return fmt::format("{} is {:.1f} MiB: too large for a C source (at most {} MiB)", name,
                       static_cast<double>(size) / (1 << 20), k_max_source_bytes >> 20);
  std::ifstream in(file, std::ios::binary);
  std::string head(65536, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.find('\0') != std::string::npos)
    return fmt::format("{} is not C source text (it holds NUL bytes: a compiled program or an archive?)", name);
  return {};
}

// Everything the compiler may read, in one folder (the only one of the
// host its world holds): the program's sources and the submission's own
// headers, the lab's include/ as include/ (a header the lab provides is the
// lab's: a student's copy is not used), the generated files it needs (its
// sources among them, and every generated header: never a student's copy)
// and the clock shim's object. Returns what is wrong with a source, if anything.
std::string stage_sources(const LabSpec& lab, const ProgramSpec& program, const fs::path& from, const fs::path& to,
                          const fs::path& generated, const fs::path& clock_shim,
                          const std::vector<std::string>& unclaimed) {
  const fs::path lab_include = lab.dir() / "include";
  fs::create_directories(to);
  for (const auto& source : program.sources) {
    const fs::path name = fs::path(source).filename();
    if (lab.generated(source)) {
      fs::copy_file(generated / name, to / name, fs::copy_options::overwrite_existing);
      continue;
    }
    if (std::string problem = source_problem(from, source, unclaimed); !problem.empty()) return problem;
    fs::copy_file(from / source, to / name, fs::copy_options::overwrite_existing);
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    const fs::path name = entry.path().filename();
    if (name.extension() != ".h" || fs::exists(lab_include / name) || lab.generated(name.string())) continue;
    if (!source_problem(from, name.string()).empty()) continue;  // a bad header: the compiler will say it is missing
    fs::copy_file(entry.path(), to / name, fs::copy_options::overwrite_existing, ec);
  }
  for (const auto& step : lab.generators) {
    for (const auto& output : step.outputs) {
      if (fs::path(output).extension() == ".h") fs::copy_file(generated / output, to / output, fs::copy_options::overwrite_existing);
    }
  }
  if (fs::is_directory(lab_include)) fs::copy(lab_include, to / "include", fs::copy_options::recursive);
  if (!clock_shim.empty()) fs::copy_file(clock_shim, to / clock_shim.filename());
  return {};
}

// The compilers of a build share a world of their own, like the programs
// they build: it sees the system's folders and the build's folder (its
// working directory), which holds nothing but the staged sources, headers and
// shim, and what the compilers made. They run as the sandbox user, and an
// #include of a file of the machine finds nothing.
std::unique_ptr<World> compilers_world(const LabSpec& lab, const fs::path& out_dir) {
  WorldOptions world;
  world.hidden = {lab.dir(), lab.reference_dir};
  world.shm_mb = 1;
  world.workdir_bind = out_dir;
  world.scratch_parent = out_dir.parent_path();
  // A hostile source (#include "/dev/zero", a macro that explodes) must not take the machine's memory.
  world.world_limits = CgroupLimits{.memory_mb = k_compilers_memory_mb, .processes = 64};
  return std::make_unique<World>(world);
}

void start_compiler(Job& job, World& world, const fs::path& out_dir) {
  world.give_to_programs(job.cwd);  // where it writes the program and its temporary files
  SpawnOptions options;
  options.argv = job.argv;
  options.cwd = world.workdir() / job.cwd.lexically_relative(out_dir);
  options.env = {"TMPDIR=."};  // its own folder: the sandbox user may not search the folders above it
  options.time_limit = k_compile_time_limit;
  options.output_cap = 64 * 1024;
  options.limits.address_space_mb = k_compiler_address_space_mb;
  options.limits.cpu_seconds = static_cast<long>(k_compile_time_limit);
  options.limits.file_size_mb = k_compiler_file_size_mb;
  job.process = world.spawn(options);
}

void finish(Job& job) {
  const ProcessResult& r = job.process->wait();
  job.result.diagnostics = job.process->stderr_text() + job.process->stdout_text();
  if (r.exited_with(0)) {
    job.result.ok = true;
    return;
  }
  job.result.summary = summarize(job.result.diagnostics);
  if (r.ending != ProcessResult::Ending::exited) {
    job.result.summary = fmt::format("the compiler {}{}", r.describe(),
                                     job.result.summary.empty() ? "" : "\n" + job.result.summary);
  }
}

}  // namespace

void Builds::add(BuildResult result) {
  auto key = std::make_pair(result.program, result.variant);
  m_results[key] = std::move(result);
}

const BuildResult& Builds::get(const std::string& program, const std::string& variant) const {
  auto it = m_results.find({program, variant});
  if (it == m_results.end()) {
    throw GraderError(fmt::format("no build of program \"{}\" (variant \"{}\"): not in lab.toml", program, variant));
  }
  return it->second;
}

Builds build_programs(const LabSpec& lab, const fs::path& source_dir, const fs::path& out_dir, int jobs,
                      const fs::path& cache_dir, const std::function<void(const BuildResult&)>& on_built) {
  auto done = [&](const BuildResult& result) {
    if (on_built) on_built(result);
  };
  const std::string compiler = find_in_path(lab.compiler);
  const fs::path include_dir = lab.dir() / "include";
  const fs::path generated = generate_sources(lab, cache_dir);
  const fs::path clock_shim = lab.clock_control ? clock_shim_object(compiler, cache_dir) : fs::path();
  std::vector<Job> pending;
  Builds builds;
  const std::vector<std::string> unclaimed = unclaimed_sources(lab, source_dir);
  for (const auto& variant : lab.variants) {
    for (const auto& program : lab.programs) {
      Job job;
      job.result.program = program.name;
      job.result.variant = variant.name;
      job.cwd = out_dir / variant.name / (program.name + ".src");
      std::string problem = stage_sources(lab, program, source_dir, job.cwd, generated, clock_shim, unclaimed);
      if (!problem.empty()) {
        job.result.summary = problem;
        job.result.hint = problem.find(" is missing") != std::string::npos
                              ? fmt::format("the lab's files are named in its handout: {} needs {}", program.name,
                                            fmt::join(handed_in(lab, program), ", "))
                              : "submit the C source file itself";
        done(job.result);
        builds.add(std::move(job.result));
        continue;
      }
      job.result.executable = out_dir / variant.name / program.name;
      for (const auto& step : lab.generators) job.result.generated.insert(job.result.generated.end(), step.outputs.begin(), step.outputs.end());
      job.argv = {compiler};
      job.argv.insert(job.argv.end(), lab.flags.begin(), lab.flags.end());
      job.argv.insert(job.argv.end(), variant.flags.begin(), variant.flags.end());
      if (fs::is_directory(include_dir)) job.argv.push_back("-Iinclude");
      job.argv.insert(job.argv.end(), {"-o", program.name});
      for (const auto& s : program.sources) job.argv.push_back(fs::path(s).filename().string());
      if (!clock_shim.empty()) {
        job.argv.push_back(clock_shim.filename().string());
        job.argv.push_back(k_clock_wraps);
      }
      job.argv.insert(job.argv.end(), lab.libs.begin(), lab.libs.end());
      job.result.command = quote_command(job.argv);
      job.key = compile_key(job.cwd, job.argv, compiler);
      if (auto said = fetch_compiled(cache_dir, job.key, job.result.executable)) {
        job.result.ok = true;
        job.result.from_cache = true;
        job.result.diagnostics = std::move(*said);
        done(job.result);
        builds.add(std::move(job.result));
        continue;
      }
      pending.push_back(std::move(job));
    }
  }
  // Up to `jobs` compilers at once, in one world; each finishes in its own pump thread.
  std::unique_ptr<World> world = pending.empty() ? nullptr : compilers_world(lab, out_dir);
  std::size_t started = 0, finished = 0;
  const std::size_t limit = static_cast<std::size_t>(std::max(1, jobs));
  while (finished < pending.size()) {
    while (started < pending.size() && started - finished < limit) start_compiler(pending[started++], *world, out_dir);
    Job& job = pending[finished++];
    finish(job);
    job.process.reset();
    if (job.result.ok) fs::rename(job.cwd / job.result.program, job.result.executable);
    done(job.result);  // the checks that run it may start
    if (job.result.ok) store_compiled(cache_dir, job.key, job.result.executable, job.result.diagnostics);
  }
  for (auto& job : pending) builds.add(std::move(job.result));
  return builds;
}

namespace {

// The clock shim compiled once per shim text and compiler, like the reference.
fs::path clock_shim_object(const std::string& compiler, const fs::path& cache_dir) {
  ContentHash h;
  h.add(k_clock_shim_source);
  h.add_identity(compiler);
  const fs::path shims = cache_folder(cache_dir, "shims");
  const fs::path dir = shims / h.hex();
  const fs::path object = dir / "labgrade_clock.o";
  if (fs::is_regular_file(object)) return object;
  TempDir staging(".building-", shims);
  std::ofstream(staging.path() / "labgrade_clock.c") << k_clock_shim_source;
  HostCommand gcc;
  gcc.argv = {compiler, "-std=gnu11", "-O2", "-c", "labgrade_clock.c", "-o", "labgrade_clock.o"};
  gcc.cwd = staging.path();
  gcc.time_limit = k_compile_time_limit;
  const HostCommandResult compiled = run_on_host(gcc);
  if (!compiled.exited_with(0)) {
    throw GraderError("the clock shim does not compile: " + compiled.err.bytes);
  }
  std::error_code ec;
  fs::rename(staging.path(), dir, ec);
  if (ec && !fs::is_regular_file(object)) {
    throw GraderError(fmt::format("cannot store the clock shim in {}: {}", dir.string(), ec.message()));
  }
  return object;
}

std::string reference_key(const LabSpec& lab, const fs::path& generated) {
  ContentHash h;
  if (!generated.empty()) h.add_tree(generated);
  h.add(LABGRADE_VERSION);
  h.add_identity(find_in_path(lab.compiler));
  h.add(lab.clock_control ? k_clock_shim_source : "");
  for (const auto& f : lab.flags) h.add(f);
  for (const auto& f : lab.libs) h.add(f);
  for (const auto& v : lab.variants) {
    h.add(v.name);
    for (const auto& f : v.flags) h.add(f);
  }
  for (const auto& p : lab.programs) {
    h.add(p.name);
    for (const auto& s : p.sources) {
      h.add(s);
      if (!lab.generated(s)) h.add_file(lab.reference_dir / s);
    }
  }
  const fs::path include_dir = lab.dir() / "include";
  if (fs::is_directory(include_dir)) {
    for (const auto& entry : fs::directory_iterator(include_dir)) {
      h.add(entry.path().filename().string());
      h.add_file(entry.path());
    }
  }
  return h.hex();
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* dir = std::getenv("LABGRADE_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "labgrade";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "labgrade";
  }
  return fs::temp_directory_path() / "labgrade-cache";
}

std::string BuildResult::warnings() const {
  if (!ok) return {};
  std::stringstream in(diagnostics);
  std::string line, out;
  for (std::size_t kept = 0; kept < k_summary_lines && std::getline(in, line);) {
    if (line.find(": warning: ") == std::string::npos) continue;
    const std::string file = line.substr(0, line.find(':'));
    if (std::find(generated.begin(), generated.end(), file) != generated.end()) continue;
    out += (out.empty() ? "" : "\n") + line;
    ++kept;
  }
  return out;
}

std::string submission_mismatch(const LabSpec& lab, const fs::path& submission) {
  std::vector<std::string> expected;
  for (const auto& program : lab.programs) {
    for (const auto& source : handed_in(lab, program)) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(submission / source, ec))) return {};
      expected.push_back(source);
    }
  }
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(submission, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(".")) found.push_back(entry.is_directory() ? name + "/" : name);
  }
  std::sort(found.begin(), found.end());
  std::string holds = found.empty() ? "nothing" : fmt::format("{}", fmt::join(found.begin(), found.begin() + std::min<std::size_t>(found.size(), 8), ", "));
  if (found.size() > 8) holds += fmt::format(" and {} more", found.size() - 8);
  return fmt::format("{} holds none of {}'s files (expected {}; found {}): is it the right folder?", submission.string(),
                     lab.name, fmt::join(expected, ", "), holds);
}

bool holds_built_programs(const LabSpec& lab, const fs::path& dir) {
  for (const auto& variant : lab.variants) {
    for (const auto& program : lab.programs) {
      const fs::path file = dir / variant.name / program.name;
      if (!fs::is_regular_file(file) || ::access(file.c_str(), X_OK) != 0) return false;
    }
  }
  return true;
}

Builds build_reference(const LabSpec& lab, const fs::path& cache_dir, int jobs) {
  if (!fs::is_directory(lab.reference_dir)) {
    throw GraderError(fmt::format("reference implementation not found: {}", lab.reference_dir.string()));
  }
  auto collect = [&](const fs::path& dir) {
    Builds builds;
    for (const auto& variant : lab.variants) {
      for (const auto& program : lab.programs) {
        BuildResult r{program.name, variant.name, true, dir / variant.name / program.name, "", "", ""};
        builds.add(std::move(r));
      }
    }
    return builds;
  };
  // A kit's reference is its programs, built when the kit was made: <variant>/<program>.
  if (holds_built_programs(lab, lab.reference_dir)) return collect(lab.reference_dir);
  const fs::path lab_cache = cache_folder(cache_dir, fs::path("reference") / lab.name);
  const fs::path final_dir = lab_cache / reference_key(lab, generate_sources(lab, cache_dir));
  if (fs::is_directory(final_dir)) return collect(final_dir);

  // Build next to the cache entry, then rename: concurrent runs never see
  // half a cache entry, and the loser of a race just drops its copy.
  TempDir staging(".building-", lab_cache);
  Builds built = build_programs(lab, lab.reference_dir, staging.path(), jobs, cache_dir);
  for (const auto& [key, result] : built.all()) {
    if (!result.ok) {
      throw GraderError(fmt::format("the reference {} ({}) does not compile: {}", result.program,
                                    result.variant, result.summary));
    }
  }
  // Only the programs are kept: never the reference's sources, whoever may read the cache. And they
  // are the grader's again: a program running as the compilers' user later must not change them.
  for (const auto& variant : lab.variants) {
    for (const auto& program : lab.programs) fs::remove_all(staging.path() / variant.name / (program.name + ".src"));
  }
  if (::geteuid() == 0) {
    ::lchown(staging.path().c_str(), 0, 0);
    for (const auto& entry : fs::recursive_directory_iterator(staging.path())) ::lchown(entry.path().c_str(), 0, 0);
  }
  std::error_code ec;
  fs::rename(staging.path(), final_dir, ec);
  if (ec && !fs::is_directory(final_dir)) {
    throw GraderError(fmt::format("cannot store the reference build in {}: {}", final_dir.string(), ec.message()));
  }
  return collect(final_dir);
}

}  // namespace labgrade
