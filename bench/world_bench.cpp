// The cost of one world: set-up and tear-down alone, with one program
// (/bin/true) run inside, and with its cgroup (memory and process limits),
// averaged over N worlds. Prints milliseconds.
//   build/bench/world_bench [N]
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "labgrade/world.hpp"

using namespace labgrade;
using Clock = std::chrono::steady_clock;

template <typename Body>
double per_world_ms(int n, Body body) {
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) body();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / n;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200;
  Isolation isolation = detect_isolation();
  WorldOptions options{.shm_mb = 64};
  per_world_ms(10, [&] { World w(options); });  // warm-up
  double empty = per_world_ms(n, [&] { World w(options); });
  double with_exec = per_world_ms(n, [&] {
    World w(options);
    SpawnOptions run;
    run.argv = {"/bin/true"};
    w.spawn(run)->wait();
  });
  WorldOptions limited = options;
  limited.world_limits = CgroupLimits{};
  double with_cgroup = per_world_ms(n, [&] {
    World w(limited);
    SpawnOptions run;
    run.argv = {"/bin/true"};
    w.spawn(run)->wait();
  });
  WorldOptions networked = options;
  networked.loopback = true;  // a network namespace of its own, loopback up (never pooled)
  double with_loopback = per_world_ms(n, [&] { World w(networked); });
  WorldOptions matchmaker = options;
  matchmaker.rpcbind = true;  // and its own rpcbind, ready (the rpc lab's worlds)
  const bool have_rpcbind = std::filesystem::exists("/usr/sbin/rpcbind") || std::filesystem::exists("/sbin/rpcbind");
  double with_rpcbind = have_rpcbind ? per_world_ms(std::max(1, n / 10), [&] { World w(matchmaker); }) : 0.0;
  double bare_exec = per_world_ms(n, [&] {
    SpawnOptions run;
    run.argv = {"/bin/true"};
    Process::spawn(run)->wait();
  });
  fmt::print("isolation: {}\n", to_string(isolation));
  fmt::print("world set-up + tear-down:              {:.3f} ms (mean of {})\n", empty, n);
  fmt::print("world + one /bin/true run inside:      {:.3f} ms\n", with_exec);
  fmt::print("the same with the world's cgroup:       {:.3f} ms ({})\n", with_cgroup, describe(cgroup_support()));
  fmt::print("world with its own loopback, up:       {:.3f} ms ({:.2f}x the plain world)\n", with_loopback,
             with_loopback / empty);
  if (have_rpcbind) {
    fmt::print("world with its own rpcbind, ready:     {:.3f} ms ({:.2f}x the plain world)\n", with_rpcbind,
               with_rpcbind / empty);
  }
  // The floor: posix_spawn + waitpid of the same program, nothing else.
  double posix = per_world_ms(n, [&] {
    pid_t pid = -1;
    char arg0[] = "/bin/true";
    char* args[] = {arg0, nullptr};
    if (::posix_spawn(&pid, "/bin/true", nullptr, nullptr, args, environ) == 0) ::waitpid(pid, nullptr, 0);
  });
  fmt::print("one /bin/true run on the host (ours):  {:.3f} ms\n", bare_exec);
  fmt::print("the same by a bare posix_spawn:        {:.3f} ms (ours {:.2f}x; world + one run {:.2f}x, target <= 2)\n",
             posix, bare_exec / posix, with_exec / posix);
  return 0;
}
