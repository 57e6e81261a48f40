// A world's own services: the programs a lab's world holds before its
// check's programs arrive (rpcbind, the matchmaker of ONC RPC).
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/socket_inspector.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr auto k_rpcbind_start = std::chrono::seconds(5);  // a busy machine's worst; it takes a few ms
constexpr double k_service_lifetime = 24 * 3600.0;         // it lasts as long as its world

}  // namespace

std::string rpc_tool(const std::string& name) {
  std::string path = resolve_host_program(HostCommand{.argv = {name}});
  for (const std::string dir : {"/usr/sbin/", "/sbin/"}) {
    if (path.empty() && fs::is_regular_file(dir + name)) path = dir + name;
  }
  if (path.empty()) {
    throw GraderError(fmt::format("this lab's worlds need {}, which is not installed on this machine: install it "
                                  "(Debian and Ubuntu: sudo apt install rpcbind; labgrade's scripts/setup.sh does)", name));
  }
  return path;
}

// rpcbind -f (in the foreground: it is the world's init's to end), as the
// world's user: it checks that it is root and drops to its own user, _rpc,
// which the world's services filter lets it believe. Ready when it listens
// on 111 and its local socket (through which servers register) is there.
void World::start_rpcbind() {
  SpawnOptions options;
  options.argv = {rpc_tool("rpcbind"), "-f"};
  options.cwd = "/";
  options.time_limit = k_service_lifetime;
  options.output_cap = 16 * 1024;
  options.limits.open_files = 1024;
  auto rpcbind = launch(std::move(options), SeccompFilter::for_services());
  const fs::path socket = fs::path(fmt::format("/proc/{}/root/run/rpcbind.sock", m_init_pid));
  const auto deadline = std::chrono::steady_clock::now() + k_rpcbind_start;
  while (!(listening_on(rpcbind->pid(), k_rpcbind_port) && fs::exists(socket))) {
    if (rpcbind->finished() || std::chrono::steady_clock::now() > deadline) {
      if (!rpcbind->finished()) rpcbind->kill();
      throw GraderError(fmt::format("the world's rpcbind did not start: it {}{}", rpcbind->wait().describe(),
                                    rpcbind->stderr_text().empty() ? "" : ": " + rpcbind->stderr_text()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  m_services.push_back(rpcbind->pid_inside());
}

}  // namespace labgrade
