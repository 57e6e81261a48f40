// A submission's checks run by several check runners at once, one per core:
// how the runners share the work and the machine.
//
// Groups: a check and the checks it `needs` (lab.toml) run in one runner, in
// order, so a skip for a failed need is decided as it is with one runner.
// Claims: each runner goes through the checks in order and runs a group's
// checks when it is the first to reach the group (an O_EXCL file per group),
// so a long check never holds back the others. Cores: every check's worlds
// share the cores, and a world that needs them to itself (a busy-waiting
// pair timed) waits until no other check of the submission holds a world,
// nor the compilers (flock(2) on one file, shared or exclusive).
//
//   const auto groups = check_groups(lab, selected);         // the grader's
//   CheckClaims claims(scratch / "claims", groups);          // each runner's
//   if (!claims.ours("ConsumerRemovesObject")) ...skip it here
//   SharedCores cores(scratch / "cores.lock");
//   auto waited = cores.share();   // or own(); release() at the check's end
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "labgrade/lab_spec.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// Each selected check's group, named by the group's first check in
/// lab.toml's order: a check is in the group of every selected check it
/// needs. Checks not selected (`check --only`) are in no group.
std::map<std::string, std::string> check_groups(const LabSpec& lab, const std::vector<std::string>& selected);

/// How many groups `check_groups` made.
std::size_t group_count(const std::map<std::string, std::string>& groups);

/// One runner's claims on the groups, in a folder shared by the runners.
class CheckClaims {
 public:
  /// `dir` must exist; `runner` names this runner in its claims.
  CheckClaims(std::filesystem::path dir, std::map<std::string, std::string> groups, int runner);

  /// Whether this runner runs `test`: its group was claimed now or before by
  /// this runner. False for a check in no group. Throws SyscallError when
  /// the claim cannot be written.
  bool ours(const std::string& test);

  /// The runner that claimed `test`'s group, read from `dir` (the grader's
  /// side, after the runners); -1 when none did.
  static int claimed_by(const std::filesystem::path& dir, const std::string& group);

 private:
  std::filesystem::path m_dir;
  std::map<std::string, std::string> m_groups;
  std::map<std::string, bool> m_decided;  // group → ours
  int m_runner;
};

/// The submission's cores, shared by its checks' worlds and its compilers.
class SharedCores {
 public:
  explicit SharedCores(const std::filesystem::path& lock_file);

  /// Shares the cores (a no-op when this already holds them): the time waited.
  std::chrono::steady_clock::duration share();
  /// Shares them if no one has them to itself now, without waiting: whether it does.
  bool try_share();
  /// Has them to itself: waits until no one else shares them.
  std::chrono::steady_clock::duration own();
  /// Lets them go (at the end of a check; after the compilers).
  void release();

 private:
  std::chrono::steady_clock::duration lock(int operation, const char* name);
  UniqueFd m_fd;
  std::string m_path;
  enum class Held { none, shared, owned } m_held = Held::none;
};

}  // namespace labgrade
