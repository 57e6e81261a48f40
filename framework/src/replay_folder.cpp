#include "labgrade/replay_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/replay_script.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// A name that stays in its folder: no separator, not "." or "..".
bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

// The entries an earlier --keep made in `dir`, from its marker (nullopt: no marker).
std::optional<std::vector<std::string>> marked_entries(const fs::path& dir) {
  const fs::path marker = dir / k_keep_marker;
  if (!fs::is_regular_file(fs::symlink_status(marker))) return std::nullopt;
  std::ifstream in(marker);
  std::vector<std::string> entries;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    if (!plain_name(line)) throw UsageError(fmt::format("{}: \"{}\" is not a folder labgrade makes: is this marker yours? "
                                                        "name another folder for --keep", marker.string(), line));
    entries.push_back(line);
  }
  return entries;
}

// A failed write into the --keep folder: the user's folder, so a usage error
// (a full disk, a folder made read-only meanwhile), still naming the call.
[[noreturn]] void cannot_write(const std::string& call, const std::string& args) {
  throw UsageError(std::string(SyscallError(call, args, errno).what()) + " (writing the --keep folder)");
}

// Copies a regular file (never through a symbolic link) into a new file.
void copy_plain_file(const fs::path& from, const fs::path& to, mode_t mode) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) throw SyscallError("open", fmt::format("\"{}\", O_RDONLY | O_NOFOLLOW", from.string()), errno);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) throw SyscallError("fstat", from.string(), errno);
  if (!S_ISREG(st.st_mode)) throw GraderError(fmt::format("{}: not a regular file", from.string()));
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out) cannot_write("open", fmt::format("\"{}\", O_WRONLY | O_CREAT | O_EXCL, {:04o}", to.string(), mode));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SyscallError("read", from.string(), errno);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buffer + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) cannot_write("write", to.string());
      done += w;
    }
  }
  if (::fchmod(out.get(), mode) != 0) cannot_write("fchmod", fmt::format("\"{}\", {:04o}", to.string(), mode));
}

void write_new_file(const fs::path& file, const std::string& text, mode_t mode) {
  UniqueFd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!out) cannot_write("open", fmt::format("\"{}\", O_WRONLY | O_CREAT | O_EXCL, {:04o}", file.string(), mode));
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t w = ::write(out.get(), text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) cannot_write("write", file.string());
    done += static_cast<std::size_t>(w);
  }
  if (::fchmod(out.get(), mode) != 0) cannot_write("fchmod", fmt::format("\"{}\", {:04o}", file.string(), mode));
}

// What makes a journal unusable for a replay, if anything: it is only data,
// checked against what the lab knows.
std::string record_problem(const ReplayRecord& record, const LabSpec& lab) {
  const std::set<std::string> roles = {"student", "peer", "reference"};
  const std::set<std::string> ends = {"exited", "signaled", "timed_out", "killed", "unknown"};
  const std::set<std::string> looks = {"", "line", "asleep", "shm", "mqueue", "sysv", "file"};
  for (std::size_t i = 0; i < record.runs.size(); ++i) {
    const ReplayRun& r = record.runs[i];
    if (r.id != static_cast<int>(i) + 1) return fmt::format("run {} is numbered {}", i + 1, r.id);
    if (roles.count(r.role) == 0) return fmt::format("run {} has the role \"{}\"", r.id, r.role);
    if (lab.program(r.program) == nullptr) return fmt::format("run {} is of a program the lab has not: \"{}\"", r.id, r.program);
    if (lab.variant(r.variant) == nullptr) return fmt::format("run {} is of a variant the lab has not: \"{}\"", r.id, r.variant);
    if (!std::isfinite(r.time_limit) || r.time_limit < 0) return fmt::format("run {} has no time limit", r.id);
    for (const auto& arg : r.args) {
      if (arg.find('\0') != std::string::npos) return fmt::format("run {} has an argument with a NUL byte", r.id);
    }
  }
  const int runs = static_cast<int>(record.runs.size());
  for (const auto& s : record.steps) {
    if (!std::isfinite(s.at) || s.at < 0) return "a step at no time";
    const bool about_a_run = s.kind != ReplayStep::Kind::note && s.kind != ReplayStep::Kind::world_end;
    if (s.run < 0 || s.run > runs || (about_a_run && s.run == 0)) return fmt::format("a step of run {}", s.run);
    if (s.kind == ReplayStep::Kind::signal && (s.signal < 1 || s.signal > 64)) return fmt::format("signal {}", s.signal);
    if (s.kind == ReplayStep::Kind::end && ends.count(s.how) == 0) return fmt::format("an end \"{}\"", s.how);
    if (s.kind == ReplayStep::Kind::note && looks.count(s.look) == 0) return fmt::format("a note \"{}\"", s.look);
    if (s.kind == ReplayStep::Kind::note && (s.look == "shm" || s.look == "mqueue") && !s.arg.empty() &&
        !plain_name(s.arg.front() == '/' ? s.arg.substr(1) : s.arg)) {
      return fmt::format("an object named \"{}\"", s.arg);
    }
    if (s.kind == ReplayStep::Kind::write_stdin && s.part < 1) return "a write to stdin of no part";
    if (!std::isfinite(s.seconds) || s.seconds < 0 || s.seconds > 3600) return "a wait of no length";
  }
  return {};
}

// One check's folder: its programs, their input, replay.sh. Returns the command that runs it.
std::string write_check_folder(const KeepSources& sources, const ReplayRecord& record, const CheckResult& result,
                               const std::string& isolation) {
  const fs::path folder = sources.dir / result.test;
  const fs::path journal = sources.journals / result.test;
  fs::create_directory(folder);
  std::set<std::string> copied;
  for (const auto& run : record.runs) {
    const std::string name = replay_binary_name(run);
    if (copied.insert(name).second) {
      const Builds& builds = run.role == "student" ? sources.student : sources.reference;
      const BuildResult& build = builds.get(run.program, run.variant);
      if (!build.ok) throw GraderError(fmt::format("{} ran {} ({}), which was not built", result.test, run.program, run.variant));
      copy_plain_file(build.executable, folder / name, 0755);
    }
    const std::string prefix = replay_file_prefix(run);
    if (run.has_stdin) copy_plain_file(journal / fmt::format("run-{}.stdin", run.id), folder / (prefix + ".stdin"), 0644);
  }
  for (const auto& step : record.steps) {
    if (step.kind != ReplayStep::Kind::write_stdin) continue;
    const std::string prefix = replay_file_prefix(record.runs.at(static_cast<std::size_t>(step.run) - 1));
    copy_plain_file(journal / fmt::format("run-{}-write-{}", step.run, step.part),
                    folder / fmt::format("{}.write-{}", prefix, step.part), 0644);
  }
  const ReplayFacts facts{sources.lab, result, isolation};
  write_new_file(folder / "replay.sh", replay_script(record, facts), 0755);
  return "sh " + shell_quote((folder / "replay.sh").string());
}

}  // namespace

void prepare_keep_folder(const fs::path& dir) {
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    fs::create_directories(dir, ec);
    if (ec) throw UsageError(fmt::format("{}: cannot make the --keep folder ({})", dir.string(), ec.message()));
    return;
  }
  if (!fs::is_directory(status)) throw UsageError(fmt::format("{}: not a folder (--keep needs a folder)", dir.string()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw UsageError(fmt::format("{}: cannot write there (--keep): {}", dir.string(), std::strerror(errno)));
  }
  const auto entries = marked_entries(dir);
  const std::set<std::string> ours = entries ? std::set<std::string>(entries->begin(), entries->end()) : std::set<std::string>{};
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == k_keep_marker || ours.count(name) != 0) continue;
    if (!entries) {
      throw UsageError(fmt::format("{}: the folder is not empty, and no earlier --keep made it: name a new or empty "
                                   "folder (labgrade never deletes what it did not make)", dir.string()));
    }
    throw UsageError(fmt::format("{}: {} is not from an earlier --keep: labgrade replaces only what it made there; "
                                 "move it away or name another folder", dir.string(), name));
  }
}

void write_keep_folder(const KeepSources& sources, Report& report) {
  prepare_keep_folder(sources.dir);
  const fs::path& dir = sources.dir;
  // A failed check that ran a program has a journal (a check that ran none, such as a build check, has nothing to replay).
  std::vector<CheckResult*> kept;
  for (auto& check : report.checks) {
    if (check.status != CheckResult::Status::failed || !plain_name(check.test)) continue;
    const fs::path journal = sources.journals / check.test;
    if (fs::is_regular_file(fs::symlink_status(journal / "journal.json"))) kept.push_back(&check);
    else if (fs::exists(fs::symlink_status(journal))) check.replay = "none: the check runner could not keep its record of it";
  }
  const std::string isolation =
      report.isolation == "off" ? fmt::format("off ({})", report.isolation_note) : report.isolation;
  try {
    if (const auto earlier = marked_entries(dir)) {
      for (const auto& name : *earlier) fs::remove_all(dir / name);
      fs::remove(dir / k_keep_marker);
    }
    std::string marker = "# made by labgrade check --keep: its next --keep replaces the folders below\n";
    for (const CheckResult* check : kept) marker += check->test + "\n";
    write_new_file(dir / k_keep_marker, marker, 0644);
    for (CheckResult* check : kept) {
      ReplayRecord record;
      std::string problem;
      try {
        record = read_replay_record(sources.journals / check->test);
        problem = record_problem(record, sources.lab);
      } catch (const GraderError& e) {
        problem = e.what();
      }
      check->replay = problem.empty() ? write_check_folder(sources, record, *check, isolation)
                                      : "none: the grader's record of this check is damaged (" + problem + ")";
    }
  } catch (const fs::filesystem_error& e) {
    throw UsageError(fmt::format("{}: cannot write the replays there ({})", dir.string(), e.what()));
  }
}

}  // namespace labgrade
