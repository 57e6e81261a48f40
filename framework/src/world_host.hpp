// The host's side of worlds (private to world.cpp and world_host.cpp).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// A machine-wide lock that leaves no file behind and dies with its holder
/// (an abstract unix socket: one holder at a time, whoever the user);
/// waits until it is free.
UniqueFd lock_machine(const std::string& name);

/// Children of this process that no Process handle owns: daemons of a world
/// without isolation, reparented to us because we are a subreaper.
std::vector<pid_t> children_of_self();

}  // namespace labgrade
