// The cores labgrade may use, and each of several gradings at once kept to
// its own share of them. core_count() is what "one per core" means: the CPUs
// this process may run on (its affinity, as taskset, a cpuset, Slurm or a
// container set it), not every CPU the machine has, and no more than its
// cgroups' CPU limit (a container's --cpus, a Kubernetes pod's limit), so a
// default --jobs never starves every grading of time.
//
// A batch's students (and selftest's mutants) are graded a few at once; each
// grading is a chain of short processes (compiler, runner, world, programs)
// that wake each other. Left to the scheduler, a runner woken by its program
// was often queued behind another student's compiler on one CPU while the
// other CPU idled (perf sched, 60 students at --jobs 2: 0.83 of the 0.93
// idle CPU-seconds). Kept to a share, each grading's chain runs on its own
// cores, and hands over on them.
//
//   CoreShares shares(jobs);                   // no shares: more gradings than cores
//   grading.all_cores = shares.all();          // for worlds whose programs need more
//   ... on the thread of grading w:  shares.keep_this_thread_to(w);
//
// A world whose programs need more than one grading's share (a check with the
// cores to itself, or a lab's busy-waiting pairs) runs them on all_cores
// (WorldOptions::cores): its programs' affinity is set in the child.
#pragma once

#include <string>
#include <vector>

namespace labgrade {

/// CPU numbers, ascending.
using Cores = std::vector<int>;

/// The CPUs the calling thread may run on (sched_getaffinity); every online
/// one if the kernel does not say.
Cores allowed_cores();

/// How many: what "one per core" means (at least one): the cores allowed, at
/// most the CPU limit rounded up (cgroup_cpu_limit()).
int core_count();

/// "0-3,6": as taskset and /proc/<pid>/status write them.
std::string cores_text(const Cores& cores);

class CoreShares {
 public:
  /// Splits the calling thread's cores among `gradings` (as evenly as they
  /// go, neighbours together); none when there are more gradings than cores,
  /// or a single one (it has them all).
  explicit CoreShares(int gradings);
  /// Keeps the calling thread, and every process and thread it starts from
  /// now on, to grading `k`'s share (k taken modulo the gradings). Nothing
  /// when there are no shares, or if the kernel refuses (then the grading
  /// runs on every core, as without shares: slower, never wrong).
  void keep_this_thread_to(int k) const;
  /// Every core the shares came from; empty when there are no shares.
  const Cores& all() const { return m_all; }
  const std::vector<Cores>& shares() const { return m_shares; }

 private:
  Cores m_all;
  std::vector<Cores> m_shares;
};

}  // namespace labgrade
