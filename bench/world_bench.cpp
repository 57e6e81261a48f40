// The cost of one world: set-up and tear-down alone, with one program
// (/bin/true) run inside, and with its cgroup (memory and process limits);
// where a world + one program's time goes; and the floor, a bare
// posix_spawn of the same program. Prints milliseconds.
//   build/bench/world_bench [N]
// Each kind is timed N times, in 15 rounds that take turns (a block of each
// kind per round), so that a shared machine's drift touches every kind alike;
// a figure is the median of the rounds' means, a ratio the median of the
// rounds' ratios.
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "labgrade/world.hpp"

using namespace labgrade;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

template <typename Body>
double per_run_ms(int n, Body body) {
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) body();
  return ms(Clock::now() - start) / n;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

SpawnOptions bin_true() {
  SpawnOptions run;
  run.argv = {"/bin/true"};
  return run;
}

void posix_spawn_true() {
  pid_t pid = -1;
  char arg0[] = "/bin/true";
  char* args[] = {arg0, nullptr};
  if (::posix_spawn(&pid, "/bin/true", nullptr, nullptr, args, environ) == 0) ::waitpid(pid, nullptr, 0);
}

// Where a world + one program's time goes: each step's median.
struct Steps {
  std::vector<double> world, spawn, wait, tear_down;
};

void world_and_true(const WorldOptions& options, Steps& steps) {
  const auto t0 = Clock::now();
  auto world = std::make_unique<World>(options);
  const auto t1 = Clock::now();
  auto process = world->spawn(bin_true());
  const auto t2 = Clock::now();
  process->wait();
  const auto t3 = Clock::now();
  process.reset();
  world.reset();
  const auto t4 = Clock::now();
  steps.world.push_back(ms(t1 - t0));
  steps.spawn.push_back(ms(t2 - t1));
  steps.wait.push_back(ms(t3 - t2));
  steps.tear_down.push_back(ms(t4 - t3));
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(15, std::atoi(argv[1])) : 300;
  constexpr int k_rounds = 15;
  const int block = n / k_rounds;
  Isolation isolation = detect_isolation();
  WorldOptions options{.shm_mb = 64};
  WorldOptions limited = options;
  limited.world_limits = CgroupLimits{};
  Steps steps;

  struct Kind {
    std::string name;
    std::function<void()> body;
    std::vector<double> means;
  };
  std::vector<Kind> kinds = {
      {"world", [&] { World w(options); }, {}},
      {"world+true", [&] { world_and_true(options, steps); }, {}},
      {"world+true+cgroup", [&] { World w(limited); w.spawn(bin_true())->wait(); }, {}},
      {"host ours", [&] { Process::spawn(bin_true())->wait(); }, {}},
      {"posix_spawn", posix_spawn_true, {}},
  };
  for (auto& kind : kinds) per_run_ms(3, kind.body);  // warm-up
  std::vector<double> ratio_world_run, ratio_ours;
  for (int round = 0; round < k_rounds; ++round) {
    std::map<std::string, double> mean;
    for (auto& kind : kinds) {
      mean[kind.name] = per_run_ms(block, kind.body);
      kind.means.push_back(mean[kind.name]);
    }
    ratio_world_run.push_back(mean["world+true"] / mean["posix_spawn"]);
    ratio_ours.push_back(mean["host ours"] / mean["posix_spawn"]);
  }
  auto figure = [&](const std::string& name) {
    for (const auto& kind : kinds) {
      if (kind.name == name) return median(kind.means);
    }
    return 0.0;
  };

  WorldOptions networked = options;
  networked.loopback = true;  // a network namespace of its own, loopback up (never pooled)
  double with_loopback = per_run_ms(std::max(1, n / 3), [&] { World w(networked); });
  WorldOptions matchmaker = options;
  matchmaker.rpcbind = true;  // and its own rpcbind, ready (the rpc lab's worlds)
  const bool have_rpcbind = std::filesystem::exists("/usr/sbin/rpcbind") || std::filesystem::exists("/sbin/rpcbind");
  double with_rpcbind = have_rpcbind ? per_run_ms(std::max(1, n / 10), [&] { World w(matchmaker); }) : 0.0;

  const double empty = figure("world");
  fmt::print("isolation: {}; {} runs of each kind in {} rounds taking turns\n", to_string(isolation), block * k_rounds,
             k_rounds);
  fmt::print("world set-up + tear-down:              {:.3f} ms\n", empty);
  fmt::print("world + one /bin/true run inside:      {:.3f} ms\n", figure("world+true"));
  fmt::print("  its steps (medians): world {:.3f}, spawn {:.3f}, run until seen ended {:.3f}, tear-down {:.3f} ms\n",
             median(steps.world), median(steps.spawn), median(steps.wait), median(steps.tear_down));
  fmt::print("the same with the world's cgroup:       {:.3f} ms ({})\n", figure("world+true+cgroup"), describe(cgroup_support()));
  fmt::print("world with its own loopback, up:       {:.3f} ms ({:.2f}x the plain world)\n", with_loopback,
             with_loopback / empty);
  if (have_rpcbind) {
    fmt::print("world with its own rpcbind, ready:     {:.3f} ms ({:.2f}x the plain world)\n", with_rpcbind,
               with_rpcbind / empty);
  }
  fmt::print("one /bin/true run on the host (ours):  {:.3f} ms\n", figure("host ours"));
  fmt::print("the same by a bare posix_spawn:        {:.3f} ms\n", figure("posix_spawn"));
  fmt::print("ratios to the bare posix_spawn (medians of the rounds'): ours on the host {:.2f}x; "
             "world + one run {:.2f}x (target <= 2)\n",
             median(ratio_ours), median(ratio_world_run));
  return 0;
}
