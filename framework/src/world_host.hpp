// The host's side of worlds (private to world.cpp and world_host.cpp).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// Children of this process that no Process handle owns: daemons of a world
/// without isolation, reparented to us because we are a subreaper.
std::vector<pid_t> children_of_self();

}  // namespace labgrade
