#include "labgrade/sandbox_user.hpp"

#include <unistd.h>

#include <fstream>
#include <set>
#include <string>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/machine_lock.hpp"

namespace labgrade {

namespace {

// The ids the machine's own files name (field 3 of /etc/passwd and /etc/group).
std::set<unsigned long> ids_named_in(const char* file) {
  std::set<unsigned long> ids;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::size_t first = line.find(':');
    std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    try {
      ids.insert(std::stoul(line.substr(second + 1)));
    } catch (const std::exception&) {
    }
  }
  return ids;
}

const std::set<unsigned long>& taken_by_the_machine() {
  static const std::set<unsigned long> ids = [] {
    std::set<unsigned long> all = ids_named_in("/etc/passwd");
    all.merge(ids_named_in("/etc/group"));
    return all;
  }();
  return ids;
}

}  // namespace

SandboxUser SandboxUser::take() {
  SandboxUser user;
  if (::geteuid() != 0) {
    user.m_uid = ::geteuid();
    user.m_gid = ::getegid();
    return user;
  }
  // Start at a place of our own in the range: concurrent runs seldom try the same uid.
  const uid_t start = static_cast<uid_t>(::getpid()) % k_uid_count;
  for (uid_t i = 0; i < k_uid_count; ++i) {
    const uid_t uid = k_first_uid + (start + i) % k_uid_count;
    if (taken_by_the_machine().count(uid) != 0) continue;
    if (UniqueFd lock = try_machine_lock(fmt::format("labgrade-uid-{}", uid))) {
      user.m_lock = std::move(lock);
      user.m_uid = uid;
      user.m_gid = uid;
      user.m_switches = true;
      return user;
    }
  }
  throw GraderError(fmt::format("no free sandbox uid in {}..{}: {} worlds alive at once on this machine?", k_first_uid,
                                k_first_uid + k_uid_count - 1, k_uid_count));
}

}  // namespace labgrade
