#include "labgrade/parallel_checks.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

std::map<std::string, std::string> check_groups(const LabSpec& lab, const std::vector<std::string>& selected) {
  const std::set<std::string> chosen(selected.begin(), selected.end());
  std::map<std::string, std::string> group;  // test → its group's name (the first check of it, in lab order)
  for (const auto& spec : lab.checks) {
    if (chosen.count(spec.test) == 0) continue;
    // A check joins the groups of the checks it needs: every such group is
    // merged into the earliest of them (checks can only need checks above them).
    std::string into = spec.test;
    std::set<std::string> merged;
    for (const auto& need : spec.needs) {
      auto it = group.find(need);
      if (it == group.end()) continue;  // not selected: not run (--only)
      merged.insert(it->second);
    }
    if (!merged.empty()) into = *std::min_element(merged.begin(), merged.end(), [&](const auto& a, const auto& b) {
      return lab.check(a)->line < lab.check(b)->line;
    });
    for (auto& [test, name] : group) {
      if (merged.count(name) != 0) name = into;
    }
    group[spec.test] = into;
  }
  return group;
}

std::size_t group_count(const std::map<std::string, std::string>& groups) {
  std::set<std::string> names;
  for (const auto& [test, name] : groups) names.insert(name);
  return names.size();
}

CheckClaims::CheckClaims(fs::path dir, std::map<std::string, std::string> groups, int runner)
    : m_dir(std::move(dir)), m_groups(std::move(groups)), m_runner(runner) {}

bool CheckClaims::ours(const std::string& test) {
  auto group = m_groups.find(test);
  if (group == m_groups.end()) return false;
  if (auto decided = m_decided.find(group->second); decided != m_decided.end()) return decided->second;
  const fs::path claim = m_dir / group->second;
  const int fd = ::open(claim.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) throw SyscallError("open", fmt::format("\"{}\", O_CREAT | O_EXCL", claim.string()), errno);
  const bool mine = fd >= 0;
  if (mine) {
    const std::string who = std::to_string(m_runner);
    const ssize_t written = ::write(fd, who.data(), who.size());
    const int err = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(who.size())) throw SyscallError("write", claim.string(), err);
  }
  m_decided[group->second] = mine;
  return mine;
}

int CheckClaims::claimed_by(const fs::path& dir, const std::string& group) {
  std::ifstream in(dir / group);
  int runner = -1;
  if (in >> runner) return runner;
  return -1;
}

SharedCores::SharedCores(const fs::path& lock_file) : m_path(lock_file.string()) {
  m_fd.reset(::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!m_fd) throw SyscallError("open", fmt::format("\"{}\", O_RDWR | O_CREAT", m_path), errno);
}

std::chrono::steady_clock::duration SharedCores::lock(int operation, const char* name) {
  const auto asked = std::chrono::steady_clock::now();
  while (::flock(m_fd.get(), operation) != 0) {
    if (errno != EINTR) throw SyscallError("flock", fmt::format("\"{}\", {}", m_path, name), errno);
  }
  return std::chrono::steady_clock::now() - asked;
}

std::chrono::steady_clock::duration SharedCores::share() {
  if (m_held != Held::none) return {};
  auto waited = lock(LOCK_SH, "LOCK_SH");
  m_held = Held::shared;
  return waited;
}

bool SharedCores::try_share() {
  if (m_held != Held::none) return true;
  while (::flock(m_fd.get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw SyscallError("flock", fmt::format("\"{}\", LOCK_SH | LOCK_NB", m_path), errno);
  }
  m_held = Held::shared;
  return true;
}

std::chrono::steady_clock::duration SharedCores::own() {
  if (m_held == Held::owned) return {};
  // From shared, flock(2) lets the shared lock go before it waits: two
  // runners asking at once never wait for each other.
  auto waited = lock(LOCK_EX, "LOCK_EX");
  m_held = Held::owned;
  return waited;
}

void SharedCores::release() {
  if (m_held == Held::none) return;
  if (::flock(m_fd.get(), LOCK_UN) != 0) throw SyscallError("flock", fmt::format("\"{}\", LOCK_UN", m_path), errno);
  m_held = Held::none;
}

}  // namespace labgrade
