// A class bigger than one machine: `grade --shard K/N` grades the K-th of N
// stable slices of it (a student's slice follows from its name alone, so a
// student added or removed moves no other), each shard into an OUT of its
// own; `merge` then makes the class's files from every shard's students,
// the same as one run over the whole class would have made them.
//
//   Shard shard = parse_shard("2/4");                    // or shard_from_environment(...)
//   if (shard.holds(name)) ...                            // grade it here
//   MergedClass merged = merge_shards("out", {"out-1", "out-2"});
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace labgrade {

struct StudentResult;

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
  /// Whether the student of that name is in this slice.
  bool holds(const std::string& student_name) const;
  /// "2/4" (1-based, as the command line takes it).
  std::string text() const;
};

/// "K/N", 1 <= K <= N. Throws UsageError naming what is wrong.
Shard parse_shard(const std::string& text);

/// The shard an array job's task is, from its engine's environment:
/// Slurm's SLURM_ARRAY_TASK_ID (from SLURM_ARRAY_TASK_MIN on) and
/// SLURM_ARRAY_TASK_COUNT, or, with `count` (the command line's --shards),
/// Kubernetes' JOB_COMPLETION_INDEX or AWS Batch's AWS_BATCH_JOB_ARRAY_INDEX
/// (0-based). None when no engine's variable is set. Throws UsageError for a
/// value out of range, or an index without a count.
std::optional<Shard> shard_from_environment(std::optional<int> count);

struct MergedClass {
  std::string lab;                       // the lab the students were graded in
  std::vector<StudentResult> students;   // every shard's, in the order one run would list them
};

/// Copies every student's folder of each shard's OUT into `out` (a shard's
/// OUT may be `out` itself) and reads their results. Throws UsageError for a
/// folder that is no shard's OUT, a student in two shards, or shards of
/// different labs.
MergedClass merge_shards(const std::filesystem::path& out, const std::vector<std::filesystem::path>& shard_outs);

}  // namespace labgrade
