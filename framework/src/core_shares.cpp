#include "labgrade/core_shares.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "labgrade/cgroup.hpp"

namespace labgrade {

Cores allowed_cores() {
  Cores cores;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cores.push_back(c);
    }
  }
  if (cores.empty()) {  // more CPUs than a cpu_set_t holds, or no answer: every online one
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    for (int c = 0; c < std::max(1L, online); ++c) cores.push_back(c);
  }
  return cores;
}

int core_count() {
  int count = static_cast<int>(allowed_cores().size());
  // A CPU limit of 1.5 is two at once, each slowed a little; never more than it has.
  static const std::optional<double> limit = cgroup_cpu_limit();  // read once: it does not change while labgrade runs
  if (limit) count = std::min(count, std::max(1, static_cast<int>(std::ceil(*limit - 1e-9))));
  return count;
}

std::string cores_text(const Cores& cores) {
  std::string text;
  for (std::size_t i = 0; i < cores.size();) {
    std::size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += j == i ? fmt::format("{}", cores[i]) : fmt::format("{}-{}", cores[i], cores[j]);
    i = j + 1;
  }
  return text;
}

CoreShares::CoreShares(int gradings) {
  const Cores all = allowed_cores();
  const int n = static_cast<int>(all.size());
  if (gradings < 2 || gradings > n) return;
  m_all = all;
  for (int k = 0; k < gradings; ++k) {
    m_shares.emplace_back(all.begin() + k * n / gradings, all.begin() + (k + 1) * n / gradings);
  }
}

void CoreShares::keep_this_thread_to(int k) const {
  if (m_shares.empty()) return;
  const Cores& share = m_shares[static_cast<std::size_t>(k) % m_shares.size()];
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : share) CPU_SET(c, &set);
  (void)::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}

}  // namespace labgrade
