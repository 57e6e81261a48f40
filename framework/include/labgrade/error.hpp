// The two channels of failure, kept apart.
//
// A student's program failing a check is a `CheckFailure` (thrown by the
// fluent check layer, caught by the check runner, reported as a lost point).
// The grader failing is a `GraderError` (a syscall of the grader that failed,
// a reference peer that misbehaved, a bug): reported as such, exit 3.
// A bad lab definition is a `LabSpecError` (exit 2, with file:line:column).
//
//   throw SyscallError("shm_open", fmt::format("\"{}\", O_RDONLY", name), errno);
//   // what(): shm_open("SYSUOS", O_RDONLY): No such file or directory
#pragma once

#include <stdexcept>
#include <string>

namespace labgrade {

/// The grader itself broke: never the student's fault.
class GraderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failed system call of the grader: names the call, its arguments and errno.
class SyscallError : public GraderError {
 public:
  SyscallError(const std::string& call, const std::string& args, int err);
  int error_number() const noexcept { return m_errno; }

 private:
  int m_errno;
};

/// Bad usage or bad input from the person running labgrade (exit 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An error in a lab definition: "labs/x/lab.toml:12:3: checks[2].points: expected a number".
class LabSpecError : public UsageError {
 public:
  LabSpecError(const std::string& file, long line, long column, const std::string& key,
               const std::string& message);
};

/// Throws SyscallError(call, args, errno) when `result` is -1; returns it otherwise.
long check_syscall(long result, const std::string& call, const std::string& args = "");

}  // namespace labgrade
