#include "labgrade/error.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace labgrade {

SyscallError::SyscallError(const std::string& call, const std::string& args, int err)
    : GraderError(fmt::format("{}({}): {}", call, args, std::strerror(err))), m_errno(err) {}

LabSpecError::LabSpecError(const std::string& file, long line, long column,
                           const std::string& key, const std::string& message)
    : UsageError(key.empty() ? fmt::format("{}:{}:{}: {}", file, line, column, message)
                             : fmt::format("{}:{}:{}: {}: {}", file, line, column, key, message)) {}

long check_syscall(long result, const std::string& call, const std::string& args) {
  if (result == -1) throw SyscallError(call, args, errno);
  return result;
}

}  // namespace labgrade
