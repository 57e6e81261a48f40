#include "labgrade/shard.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "labgrade/batch.hpp"
#include "labgrade/content_hash.hpp"
#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// A whole number of the command line or the environment, or none.
std::optional<long> whole_number(const std::string& text) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stol(text);
}

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Shard checked(long index, long count, const std::string& where) {
  if (count < 1 || index < 0 || index >= count) {
    throw UsageError(fmt::format("{}: shard {} of {} does not exist (shards are 1 to {})", where, index + 1, count,
                                 std::max(1L, count)));
  }
  return Shard{static_cast<int>(index), static_cast<int>(count)};
}

}  // namespace

bool Shard::holds(const std::string& student_name) const {
  if (count <= 1) return true;
  ContentHash h;
  h.add(student_name);
  return static_cast<int>(h.value % static_cast<std::uint64_t>(count)) == index;
}

std::string Shard::text() const { return fmt::format("{}/{}", index + 1, count); }

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto k = whole_number(text.substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : whole_number(text.substr(slash + 1));
  if (!k || !n) throw UsageError(fmt::format("--shard {}: expected K/N, e.g. 2/4 (the second of four)", text));
  return checked(*k - 1, *n, "--shard " + text);
}

std::optional<Shard> shard_from_environment(std::optional<int> count) {
  if (auto id = environment("SLURM_ARRAY_TASK_ID")) {
    const auto task = whole_number(*id);
    const auto first = whole_number(environment("SLURM_ARRAY_TASK_MIN").value_or("0"));
    const auto tasks = count ? std::optional<long>(*count) : whole_number(environment("SLURM_ARRAY_TASK_COUNT").value_or(""));
    if (!task || !first || !tasks) {
      throw UsageError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT do not say "
                       "the shard (give --shard K/N)");
    }
    return checked(*task - *first, *tasks, "SLURM_ARRAY_TASK_ID=" + *id);
  }
  for (const char* name : {"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"}) {
    auto id = environment(name);
    if (!id) continue;
    const auto index = whole_number(*id);
    if (!index) throw UsageError(fmt::format("{}={}: not a shard's index", name, *id));
    if (!count) throw UsageError(fmt::format("{} is set: give the number of shards with --shards N", name));
    return checked(*index, *count, fmt::format("{}={}", name, *id));
  }
  return std::nullopt;
}

MergedClass merge_shards(const fs::path& out, const std::vector<fs::path>& shard_outs) {
  MergedClass merged;
  std::map<std::string, fs::path> seen;  // student → the shard it came from
  std::vector<std::pair<std::string, StudentResult>> found;  // (its submission's file name, the student)
  for (const fs::path& shard : shard_outs) {
    if (!fs::is_regular_file(shard / "grades.csv")) {
      throw UsageError(fmt::format("{}: not the OUT of a `labgrade grade` (no grades.csv)", shard.string()));
    }
    for (const auto& entry : fs::directory_iterator(shard)) {
      if (!entry.is_directory() || entry.path().filename().string().starts_with(".")) continue;
      const std::string name = entry.path().filename().string();
      StudentResult student;
      student.name = name;
      if (auto report = stored_report(entry.path())) {
        student.report = std::move(*report);
      } else {  // not graded: its feedback says why
        std::ifstream in(entry.path() / "feedback.txt");
        std::stringstream text;
        text << in.rdbuf();
        auto why = not_graded_problem(text.str());
        if (!why) continue;  // not a student's folder of labgrade's
        student.problem = *why;
      }
      if (auto [at, fresh] = seen.emplace(name, shard); !fresh) {
        throw UsageError(fmt::format("student {} is in two shards: {} and {}", name, at->second.string(), shard.string()));
      }
      const std::string lab = student.report.lab;
      if (!lab.empty()) {
        if (!merged.lab.empty() && merged.lab != lab) {
          throw UsageError(fmt::format("{}: graded in lab {}, the other shards in {}", entry.path().string(), lab, merged.lab));
        }
        merged.lab = lab;
      }
      if (fs::weakly_canonical(shard) != fs::weakly_canonical(out)) {
        fs::create_directories(out);
        fs::copy(entry.path(), out / name,  // a link is copied as a link, never followed
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks);
      }
      const std::string submission = fs::path(student.report.submission).filename().string();
      found.emplace_back(submission.empty() ? name : submission, std::move(student));
    }
  }
  // One run lists its students in the order of their submissions' names.
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [key, student] : found) merged.students.push_back(std::move(student));
  return merged;
}

}  // namespace labgrade
