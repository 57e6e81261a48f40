// The check layer's Run: what one program did, judged while it runs or when
// it ends (check.hpp). A failure stops a program still running at once and
// says what it was doing.
#include "labgrade/check.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "check_internal.hpp"
#include "labgrade/diagnosis.hpp"
#include "labgrade/error.hpp"
#include "labgrade/proc_files.hpp"

namespace labgrade {

using namespace detail;

// ---- Run -----------------------------------------------------------------

namespace {

// What a program was doing when the check gave up on it, as advice; `cause`:
// that explains the failure.
struct Advice {
  std::string text;
  bool cause = false;
};

Advice activity_advice(const ProcessActivity& a, bool printed_nothing) {
  if (a.waits_only_for_a_signal() && (a.blocked & a.pending) != 0) {
    return {fmt::format("when the check gave up it was asleep in {}() while {} waited for it, blocked: a blocked signal "
                       "never ends the wait; unblock it first, or wait with sigsuspend and a mask without it",
                       a.call, signal_names(a.blocked & a.pending)), true};
  }
  if (a.waits_only_for_a_signal() && printed_nothing) {
    return {fmt::format("when the check gave up it was asleep in {}(), waiting for a signal, and nothing had reached "
                       "its stdout: stdout is a pipe here, not a terminal, so printf's text waits in stdio's buffer "
                       "until fflush(stdout)", a.call), true};
  }
  if (a.asleep && !a.call.empty()) return {fmt::format("when the check gave up it was asleep in {}()", a.call)};
  if (!a.asleep) return {"when the check gave up it was running (using the CPU): a loop that never ends?"};
  return {};
}

// The cause of a student program's failure that its ending shows, most
// telling first: a wait nothing could end, a SIGBUS on shared memory, an
// error it reported with perror before exiting non-zero.
std::optional<std::string> observed_cause(const ProcessResult& r, const std::string& stderr_text,
                                          const std::filesystem::path& shm_dir) {
  if (r.ending == ProcessResult::Ending::timed_out && !r.stuck_advice.empty()) return r.stuck_advice;
  if (r.ending == ProcessResult::Ending::signaled && r.signal == SIGBUS) return sigbus_cause(shm_dir, r.wall_seconds);
  if (r.ending == ProcessResult::Ending::exited && r.exit_status != 0) return perror_cause(stderr_text);
  return std::nullopt;
}

}  // namespace

Failure Run::failure(std::string expected, std::string got) const {
  Failure f{std::move(expected), std::move(got), "", m_program.role() == Role::reference};
  if (!m_process->finished()) {
    // The check has failed: there is nothing more to wait for. Say what it was doing, and stop it now.
    if (auto activity = read_activity(m_process->pid()); activity && m_program.role() == Role::student) {
      const Advice advice = activity_advice(*activity, m_process->stdout_text().empty());
      f.general_hint = advice.text;
      f.observed = advice.cause;
    }
    ReplayJournal::current().killed(*m_process, "the check had failed, so the grader stopped it");
    m_process->kill();  // its ending is then "killed", never "timed out": no hang advice below
  }
  const ProcessResult& r = m_process->wait();
  std::optional<std::string> cause;
  if (m_program.role() == Role::student && !f.observed) cause = observed_cause(r, m_process->stderr_text(), m_limits.shm_dir);
  if (f.grader_error) {
    f.hint = "the reference program failed while setting up the check";
  } else if (cause) {
    f.general_hint = *cause;
    f.observed = true;
  } else if (m_program.role() == Role::student && r.ending == ProcessResult::Ending::timed_out && r.stuck.empty()) {
    f.general_hint = fmt::format("it was still running after {:g} s: is it waiting for something that never comes "
                         "(a blocking call, a loop whose condition never changes)?", r.time_limit);
  }
  if (auto hit = m_limits.hit()) {
    f.got += fmt::format(" ({})", *hit);
    if (!f.grader_error) {
      f.general_hint = "every check runs its programs with limits on memory, processes and /dev/shm: "
                       "look for a loop that forks, allocates or writes without end";
      f.observed = true;
    }
  }
  for (const auto& [stream, captured] : {std::pair{"stdout", m_process->stdout_captured()},
                                         std::pair{"stderr", m_process->stderr_captured()}}) {
    if (captured.truncated())
      f.got += fmt::format(" (its {} was cut at {} KiB: it printed {} bytes)", stream, captured.bytes.size() / 1024, captured.total);
  }
  return f;
}

// How it ended, with what it said on stderr (students need both).
std::string Run::ending_with_output() {
  const ProcessResult& r = wait();
  std::string text = fmt::format("{} {}{}", m_program.who(),
                                 r.ending == ProcessResult::Ending::signaled ? "was " : "", r.describe());
  std::string err = m_process->stderr_text();
  if (!err.empty()) text += "; its stderr: " + excerpt(err);
  return text;
}

std::optional<Failure> Run::check_exits(int status) {
  if (wait().exited_with(status)) return std::nullopt;
  return failure(fmt::format("{} to exit with status {}", m_program.who(), status), ending_with_output());
}

std::optional<Failure> Run::check_fails() {
  const ProcessResult& r = wait();
  if (r.ending == ProcessResult::Ending::exited && r.exit_status != 0) return std::nullopt;
  return failure(fmt::format("{} to exit with a non-zero status", m_program.who()), ending_with_output());
}

std::optional<Failure> Run::check_within(std::chrono::duration<double> limit) {
  const ProcessResult& r = wait();
  if (r.ending != ProcessResult::Ending::timed_out && r.wall_seconds <= limit.count()) return std::nullopt;
  return failure(fmt::format("{} to finish within {:g} s", m_program.who(), limit.count()),
                 r.ending == ProcessResult::Ending::timed_out ? r.describe()
                                                             : fmt::format("it took {:.2f} s", r.wall_seconds));
}

std::optional<Failure> Run::check_stdout_line(const std::string& line) {
  wait();
  std::string out = m_process->stdout_text();
  if (has_line(out, line)) return std::nullopt;
  return failure(fmt::format("{} to print the line {}", m_program.who(), c_literal(line)),
                 fmt::format("its stdout: {}", excerpt(out)));
}

std::optional<Failure> Run::check_stdout_has(const std::string& text) {
  wait();
  std::string out = m_process->stdout_text();
  if (out.find(text) != std::string::npos) return std::nullopt;
  return failure(fmt::format("{} to print {}", m_program.who(), c_literal(text)),
                 fmt::format("its stdout: {}", excerpt(out)));
}

std::optional<Failure> Run::check_stderr_not_empty() {
  wait();
  if (!m_process->stderr_text().empty()) return std::nullopt;
  return failure(fmt::format("{} to print an error message on stderr", m_program.who()),
                 fmt::format("nothing on stderr; its stdout: {}", excerpt(m_process->stdout_text())));
}

std::optional<Failure> Run::check_called(const std::string& function) {
  wait();
  if (!m_clock) throw GraderError("Run::called needs [clock] control = true in lab.toml");
  if (m_clock->called(function)) return std::nullopt;
  return failure(fmt::format("{} to call {}() before it exits", m_program.who(), function),
                 fmt::format("it {} without calling {}()", wait().describe(), function));
}

std::optional<Failure> Run::check_sleeps() {
  if (!m_clock) throw GraderError("Run::sleeps needs [clock] control = true in lab.toml");
  const auto asked = std::chrono::steady_clock::now();
  const bool slept = m_clock->wait_for_sleep(*m_process, context().deadline);
  ReplayJournal::current().note("waited until it slept (in sleep, usleep or nanosleep)", "asleep", "", m_process.get(),
                                std::min(60.0, std::chrono::duration<double>(context().deadline - asked).count()));
  if (slept) return std::nullopt;
  // It ended (or runs on, sleepless, until its time limit ends it).
  return failure(fmt::format("{} to sleep (sleep, usleep or nanosleep) while it runs", m_program.who()),
                 fmt::format("it ended without sleeping: {}", ending_with_output()));
}

std::optional<Failure> Run::check_stdout_is(const std::string& bytes) {
  wait();
  const Captured out = m_process->stdout_captured();
  if (!out.truncated() && out.bytes == bytes) return std::nullopt;
  std::size_t offset = 0;
  while (offset < out.bytes.size() && offset < bytes.size() && out.bytes[offset] == bytes[offset]) ++offset;
  std::string got;
  if (offset < out.bytes.size() && offset < bytes.size()) {
    got = fmt::format("the output differs first at byte {} (of {}): expected {}, got {}", offset, bytes.size(),
                      c_literal(bytes.substr(offset, 16)), c_literal(out.bytes.substr(offset, 16)));
  } else if (out.total < bytes.size()) {
    got = fmt::format("only {} of the {} bytes (the rest never came)", out.total, bytes.size());
  } else {
    got = fmt::format("{} bytes instead of {}: extra output from byte {}: {}", out.total, bytes.size(), bytes.size(),
                      c_literal(out.bytes.substr(std::min(bytes.size(), out.bytes.size()), 16)));
  }
  if (bytes.size() <= 64) got += "; all of it: " + excerpt(out.bytes);
  const bool echo = m_program.stdin_input() && m_program.stdin_input()->bytes() == bytes;
  std::string expected;
  if (echo) expected = fmt::format("{} to print exactly the {} bytes it was given", m_program.who(), bytes.size());
  else if (bytes.size() <= 64) expected = fmt::format("{} to print exactly {}", m_program.who(), c_literal(bytes));
  else expected = fmt::format("{} to print exactly the {} bytes expected", m_program.who(), bytes.size());
  return failure(expected, got);
}

namespace {

std::vector<std::string> complete_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(trim_right(out.substr(start, nl - start)));
  }
  return lines;
}

// A program asleep this long in pause or sigsuspend, while the check only
// waits, will not wake: nothing will send it a signal.
constexpr auto k_asleep_for_good = std::chrono::milliseconds(500);

}  // namespace

std::optional<Failure> Run::check_prints_line(const std::string& line, std::chrono::duration<double> timeout,
                                              bool next) {
  using Clock = std::chrono::steady_clock;
  const std::string wanted = trim_right(line);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
  bool asleep = false;  // in pause/sigsuspend since asleep_since
  Clock::time_point asleep_since{};
  std::string other;  // next: the line it printed instead
  auto note = [&](const std::string& outcome, std::size_t number) {  // for a replay by hand, which waits for the line too
    ReplayJournal::current().note(fmt::format("waited up to {:g} s for it to print the line {}{}", timeout.count(),
                                              c_literal(line), outcome),
                                  "line", line, m_process.get(), timeout.count(), static_cast<int>(number));
  };
  for (;;) {
    const bool ready = m_process->wait_for_stdout(
        [&](const std::string& out) {
          if (!next) return has_line(out, wanted);
          const auto lines = complete_lines(out);
          return lines.size() > m_lines_read;
        },
        std::min<Clock::duration>(std::chrono::milliseconds(50), std::max<Clock::duration>(deadline - Clock::now(), {})));
    if (ready) {
      if (!next) {
        note("", 0);
        return std::nullopt;
      }
      const std::string got = complete_lines(m_process->stdout_text())[m_lines_read];
      ++m_lines_read;
      if (got == wanted) {
        note(" next", m_lines_read);
        return std::nullopt;
      }
      other = got;
      break;
    }
    if (m_process->finished() || Clock::now() >= deadline) break;
    const auto activity = read_activity(m_process->pid());
    if (activity && activity->waits_only_for_a_signal()) {
      if (!asleep) asleep = true, asleep_since = Clock::now();
      if (Clock::now() - asleep_since >= k_asleep_for_good) break;
    } else {
      asleep = false;
    }
  }
  std::string got;
  if (!next) note(": it did not come", 0);
  else note(other.empty() ? " next: it did not come" : " next: it printed another line", other.empty() ? m_lines_read + 1 : m_lines_read);
  if (!other.empty()) got = fmt::format("it printed {} instead", c_literal(other));
  else if (m_process->finished()) got = fmt::format("it ended first: {}", ending_with_output());
  else if (asleep && Clock::now() < deadline) got = "it went to sleep waiting for a signal without printing it";
  else got = fmt::format("nothing like it within {:g} s", timeout.count());
  return failure(fmt::format("{} to print the line {}{}", m_program.who(), c_literal(line), next ? " next" : ""),
                 fmt::format("{}; its stdout so far: {}", got, excerpt(m_process->stdout_text())));
}

bool Run::await_until(const std::function<bool()>& condition, std::chrono::duration<double> timeout) {
  const std::chrono::duration<double> grace = std::chrono::milliseconds(500);
  if (CheckWorld::wait_until(condition, std::min(timeout, grace))) return true;
  if (timeout <= grace) return false;
  Process::Awaiting awaited = awaiting();
  return CheckWorld::wait_until(condition, timeout - grace);
}

std::optional<Failure> Run::check_still_running(std::chrono::duration<double> settle) {
  ReplayJournal::current().note(fmt::format("checked that it still ran{}", settle.count() > 0 ? fmt::format(
                                    " {:g} s later", settle.count()) : ""), "", "", m_process.get());
  if (settle.count() > 0) m_process->wait_for(settle);
  if (!m_process->finished()) return std::nullopt;
  return failure(fmt::format("{} to still be running", m_program.who()), ending_with_output());
}

double Run::cpu_seconds() const {
  ReplayJournal::current().note("read the CPU time it had used (/proc)", "", "", m_process.get());
  const std::string path = fmt::format("/proc/{}/stat", m_process->pid());
  auto stat = read_proc_stat(path);
  if (!stat) throw GraderError("cannot read " + path);
  return stat->cpu_seconds();
}

void Run::wake() {
  if (!m_clock) throw GraderError("Run::wake needs [clock] control = true in lab.toml");
  ReplayJournal::current().note("ended its sleep now (labgrade's clock); here its sleep lasts its full time", "", "",
                                m_process.get());
  m_clock->wake();
}

}  // namespace labgrade
