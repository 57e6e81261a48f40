// Fault injection for the grader's own system calls, to prove that each
// failure ends in a grader error (exit 3) naming the call, its arguments and
// errno, with the world torn down. Armed only in the check runner, from
// LABGRADE_INJECT_FAULT (a comma-separated list of call names); at the
// guarded call sites:
//
//   pid_t child = injected_fault("fork", EAGAIN) ? -1 : ::fork();
//
// Unarmed (always, outside tests) it costs one load and a branch.
#pragma once

#include <string_view>

namespace labgrade {

/// Reads LABGRADE_INJECT_FAULT; called by the check runner only.
void arm_fault_injection();

/// True, with errno set to `err`, when the call named `call` is to fail.
bool injected_fault(std::string_view call, int err) noexcept;

}  // namespace labgrade
