// The cost of one world: set-up and tear-down alone, with one program
// (/bin/true) run inside, and with its cgroup (memory and process limits);
// where a world + one program's time goes; the same with the world made
// ahead and torn down behind (WorldsAhead, as a check runner does), back to
// back (the thread that makes them is then the bottleneck) and as a check
// sees it (its world made while the check before it ran: here 2 ms apart,
// not timed); and the floor, a bare posix_spawn of the same program, back
// to back and after the same pause (idle cores are slower to wake).
// Prints milliseconds.
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
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "labgrade/world.hpp"
#include "labgrade/worlds_ahead.hpp"

using namespace labgrade;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A body that says which part of its time counts (ms).
double per_run_counted_ms(int n, const std::function<double()>& body) {
  double total = 0;
  for (int i = 0; i < n; ++i) total += body();
  return total / n;
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

// Returns its time (ms).
double world_and_true(const WorldOptions& options, Steps& steps, WorldsAhead* ahead = nullptr) {
  const auto t0 = Clock::now();
  auto world = ahead != nullptr ? ahead->take(options) : std::make_unique<World>(options);
  const auto t1 = Clock::now();
  auto process = world->spawn(bin_true());
  if (ahead != nullptr) ahead->next();  // as a check does
  const auto t2 = Clock::now();
  process->wait();
  const auto t3 = Clock::now();
  process.reset();
  if (ahead != nullptr) ahead->end(std::move(world));  // ended now, torn down behind (as a check's)
  world.reset();
  const auto t4 = Clock::now();
  steps.world.push_back(ms(t1 - t0));
  steps.spawn.push_back(ms(t2 - t1));
  steps.wait.push_back(ms(t3 - t2));
  steps.tear_down.push_back(ms(t4 - t3));
  return ms(t4 - t0);
}

double timed(const std::function<void()>& body) {
  const auto start = Clock::now();
  body();
  return ms(Clock::now() - start);
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
  Steps steps, steps_ahead, steps_check;
  WorldsAhead ahead, ahead_for_checks;  // as a check runner has

  struct Kind {
    std::string name;
    std::function<double()> body;  // the time that counts (ms)
    std::vector<double> means;
  };
  std::vector<Kind> kinds = {
      {"world", [&] { return timed([&] { World w(options); }); }, {}},
      {"world+true", [&] { return world_and_true(options, steps); }, {}},
      {"ahead+true", [&] { return world_and_true(options, steps_ahead, &ahead); }, {}},
      {"check's world+true",
       [&] {
         std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the check before it
         return world_and_true(options, steps_check, &ahead_for_checks);
       },
       {}},
      {"world+true+cgroup", [&] { return timed([&] { World w(limited); w.spawn(bin_true())->wait(); }); }, {}},
      {"host ours", [&] { return timed([] { Process::spawn(bin_true())->wait(); }); }, {}},
      {"posix_spawn", [] { return timed(posix_spawn_true); }, {}},
      {"posix_spawn after a pause",
       [] {
         std::this_thread::sleep_for(std::chrono::milliseconds(2));  // as the check's world+true: idle cores wake
         return timed(posix_spawn_true);
       },
       {}},
  };
  for (auto& kind : kinds) per_run_counted_ms(3, kind.body);  // warm-up
  std::map<std::string, std::vector<double>> ratios;  // to the bare posix_spawn, each round's
  for (int round = 0; round < k_rounds; ++round) {
    std::map<std::string, double> mean;
    for (auto& kind : kinds) {
      mean[kind.name] = per_run_counted_ms(block, kind.body);
      kind.means.push_back(mean[kind.name]);
    }
    for (const auto& [name, value] : mean) ratios[name].push_back(value / mean["posix_spawn"]);
  }
  auto figure = [&](const std::string& name) {
    for (const auto& kind : kinds) {
      if (kind.name == name) return median(kind.means);
    }
    return 0.0;
  };

  WorldOptions networked = options;
  networked.loopback = true;  // a network namespace of its own, loopback up (never pooled)
  double with_loopback = per_run_counted_ms(std::max(1, n / 3), [&] { return timed([&] { World w(networked); }); });
  WorldOptions matchmaker = options;
  matchmaker.rpcbind = true;  // and its own rpcbind, ready (the rpc lab's worlds)
  const bool have_rpcbind = std::filesystem::exists("/usr/sbin/rpcbind") || std::filesystem::exists("/sbin/rpcbind");
  double with_rpcbind =
      have_rpcbind ? per_run_counted_ms(std::max(1, n / 10), [&] { return timed([&] { World w(matchmaker); }); }) : 0.0;

  auto print_steps = [](const Steps& st) {
    fmt::print("  its steps (medians): world {:.3f}, spawn {:.3f}, run until seen ended {:.3f}, end {:.3f} ms\n",
               median(st.world), median(st.spawn), median(st.wait), median(st.tear_down));
  };
  const double empty = figure("world");
  fmt::print("isolation: {}; {} runs of each kind in {} rounds taking turns\n", to_string(isolation), block * k_rounds,
             k_rounds);
  fmt::print("world set-up + tear-down:              {:.3f} ms\n", empty);
  fmt::print("world + one /bin/true run inside:      {:.3f} ms\n", figure("world+true"));
  print_steps(steps);
  fmt::print("the same, made ahead, torn down behind: {:.3f} ms back to back ({} of {} taken ready)\n",
             figure("ahead+true"), ahead.taken_ready(), steps_ahead.world.size());
  print_steps(steps_ahead);
  fmt::print("the same as a check sees it:           {:.3f} ms ({} of {} taken ready)\n", figure("check's world+true"),
             ahead_for_checks.taken_ready(), steps_check.world.size());
  print_steps(steps_check);
  fmt::print("the same with the world's cgroup:       {:.3f} ms ({})\n", figure("world+true+cgroup"), describe(cgroup_support()));
  fmt::print("world with its own loopback, up:       {:.3f} ms ({:.2f}x the plain world)\n", with_loopback,
             with_loopback / empty);
  if (have_rpcbind) {
    fmt::print("world with its own rpcbind, ready:     {:.3f} ms ({:.2f}x the plain world)\n", with_rpcbind,
               with_rpcbind / empty);
  }
  fmt::print("one /bin/true run on the host (ours):  {:.3f} ms\n", figure("host ours"));
  fmt::print("the same by a bare posix_spawn:        {:.3f} ms ({:.3f} ms after the same 2 ms pause as a check's)\n",
             figure("posix_spawn"), figure("posix_spawn after a pause"));
  auto ratio = [&](const std::string& name) { return median(ratios[name]); };
  std::vector<double> check_to_paused;  // each round's: both after the same pause
  for (std::size_t i = 0; i < ratios["check's world+true"].size(); ++i)
    check_to_paused.push_back(ratios["check's world+true"][i] / ratios["posix_spawn after a pause"][i]);
  // The target compares like with like: a check's program starts after the
  // check before it ran (2 ms here), when a bare spawn is slower too.
  fmt::print("world + one run as a check sees it: {:.2f}x a bare posix_spawn after the same pause (target <= 2); "
             "{:.2f}x one back to back\n",
             median(check_to_paused), ratio("check's world+true"));
  fmt::print("other ratios to a bare posix_spawn back to back (medians of the rounds'): ours on the host {:.2f}x; "
             "world + one run {:.2f}x made when asked, {:.2f}x made ahead back to back\n",
             ratio("host ours"), ratio("world+true"), ratio("ahead+true"));
  return 0;
}
