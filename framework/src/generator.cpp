#include "labgrade/generator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "labgrade/cache_folder.hpp"
#include "labgrade/content_hash.hpp"
#include "labgrade/error.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/temp_dir.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr double k_step_time_limit = 60.0;

std::string generator_key(const LabSpec& lab, const std::vector<std::string>& tools) {
  ContentHash h;
  h.add(LABGRADE_VERSION);
  for (std::size_t i = 0; i < lab.generators.size(); ++i) {
    h.add_identity(tools[i]);
    for (const auto& word : lab.generators[i].command) h.add(word);
    for (const auto& output : lab.generators[i].outputs) h.add(output);
  }
  const fs::path include_dir = lab.dir() / "include";
  if (fs::is_directory(include_dir)) h.add_tree(include_dir);
  return h.hex();
}

// Runs one step in `dir`; a failure is the lab's, at the step's line.
void run_step(const LabSpec& lab, const GeneratorStep& step, const std::string& tool, const fs::path& dir) {
  HostCommand command;
  command.argv = step.command;
  command.argv[0] = tool;
  command.cwd = dir;
  command.time_limit = k_step_time_limit;
  command.output_cap = 64 * 1024;
  const HostCommandResult ended = run_on_host(command);
  const std::string key = "build.generate";
  if (!ended.exited_with(0)) {
    const std::string said = ended.err.bytes + ended.out.bytes;
    throw LabSpecError(lab.file.string(), step.line, 1, key,
                       fmt::format("`{}` {}{}", fmt::join(step.command, " "), ended.describe(),
                                   said.empty() ? "" : ": " + said.substr(0, 600)));
  }
  for (const auto& output : step.outputs) {
    if (!fs::is_regular_file(dir / output)) {
      throw LabSpecError(lab.file.string(), step.line, 1, key,
                         fmt::format("`{}` did not write {}", fmt::join(step.command, " "), output));
    }
  }
}

}  // namespace

fs::path generate_sources(const LabSpec& lab, const fs::path& cache_dir) {
  if (lab.generators.empty()) return {};
  std::vector<std::string> tools;
  for (const auto& step : lab.generators) {
    tools.push_back(resolve_host_program(HostCommand{.argv = {step.command[0]}}));
    if (tools.back().empty()) {
      throw GraderError(fmt::format("{}:{}: the lab's build runs {}, which is not installed on this machine "
                                    "(not found in PATH): install it (the lab's handout says how; labgrade's "
                                    "scripts/setup.sh installs what the bundled labs need)",
                                    lab.file.string(), step.line, step.command[0]));
    }
  }
  const fs::path lab_cache = cache_folder(cache_dir, fs::path("generated") / lab.name);
  const fs::path final_dir = lab_cache / generator_key(lab, tools);
  if (fs::is_directory(final_dir)) return final_dir;

  // Made beside the cache entry, then renamed: a concurrent run never sees half of one.
  TempDir staging(".generating-", lab_cache);
  const fs::path include_dir = lab.dir() / "include";
  if (fs::is_directory(include_dir)) fs::copy(include_dir, staging.path(), fs::copy_options::recursive);
  for (std::size_t i = 0; i < lab.generators.size(); ++i) run_step(lab, lab.generators[i], tools[i], staging.path());
  // Only the outputs are kept.
  for (const auto& entry : fs::directory_iterator(staging.path())) {
    if (!lab.generated(entry.path().filename().string())) fs::remove_all(entry.path());
  }
  std::error_code ec;
  fs::rename(staging.path(), final_dir, ec);
  if (ec && !fs::is_directory(final_dir)) {
    throw GraderError(fmt::format("cannot store the generated sources in {}: {}", final_dir.string(), ec.message()));
  }
  return final_dir;
}

}  // namespace labgrade
