#include "labgrade/fault_injection.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace labgrade {

namespace {

std::string& armed_calls() {
  static std::string calls;  // ",fork,clone," when armed
  return calls;
}

}  // namespace

void arm_fault_injection() {
  if (const char* calls = std::getenv("LABGRADE_INJECT_FAULT"); calls != nullptr && *calls != '\0')
    armed_calls() = "," + std::string(calls) + ",";
}

bool injected_fault(std::string_view call, int err) noexcept {
  const std::string& calls = armed_calls();
  if (calls.empty()) return false;
  if (calls.find("," + std::string(call) + ",") == std::string::npos) return false;
  errno = err;
  return true;
}

}  // namespace labgrade
