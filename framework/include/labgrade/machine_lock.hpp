// Machine-wide locks that leave no file behind and die with their holder: an
// abstract UNIX socket name can be bound by one socket at a time (in a
// network namespace: the machine's, for every labgrade process), whoever the
// user, and is free again as soon as its socket is closed.
//
//   UniqueFd uid = try_machine_lock("labgrade-uid-60001");  // empty: another process holds it
//   UniqueFd one = machine_lock("labgrade-isolation-off");  // waits until it is free
#pragma once

#include <string>

#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// Takes the lock if it is free; an empty UniqueFd when someone holds it.
/// Throws SyscallError on any other failure.
UniqueFd try_machine_lock(const std::string& name);

/// Takes the lock, waiting (5 ms at a time) while someone holds it.
UniqueFd machine_lock(const std::string& name);

}  // namespace labgrade
