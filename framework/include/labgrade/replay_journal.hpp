// What a check did to the programs it ran, step by step, so that a failed
// check can be replayed by hand (`labgrade check --keep DIR`).
//
// The check runner keeps the journal; the check layer (check.hpp) tells it
// each step as it happens, and nothing when it is off (the default):
//
//   ReplayJournal::current().enable(scratch / "journal");   // the runner, under --keep
//   ReplayJournal::current().begin("ShortTextArrives");     // a check starts
//   ...  world.run(student("pipe").stdin_text(text)) ...     // started(), world_ended()
//   ReplayJournal::current().end(/*keep=*/true);              // journal/ShortTextArrives/
//
// A kept check is a folder: journal.json (the runs and the steps, in time
// order) and the bytes the programs were given (run-<id>.stdin,
// run-<id>-write-<k>). The grader reads it back (read_replay_record) and
// writes the replay (replay_folder.hpp); it trusts nothing in it but data:
// the programs are looked up in its own builds, by names the lab knows.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/input_file.hpp"

namespace labgrade {

class Process;
class World;

/// One program a check started.
struct ReplayRun {
  int id = 0;           // 1, 2, ... in the order the check started them
  int world = 0;        // which of the check's worlds (1, 2, ...)
  std::string role;     // "student", "peer" or "reference"
  std::string program;  // the lab's name for it
  std::string variant = "default";
  std::vector<std::string> args;
  bool has_stdin = false;    // its stdin was given bytes (run-<id>.stdin); else /dev/null
  bool interactive = false;  // its stdin stayed open for the check's writes
  double time_limit = 0;     // seconds
};

/// One thing that happened, `at` seconds after the check began.
struct ReplayStep {
  enum class Kind { start, end, signal, write_stdin, close_stdin, note, world_end };
  Kind kind = Kind::note;
  double at = 0;
  int run = 0;         // start, end, signal, write_stdin, close_stdin; a note about a program
  int world = 0;       // world_end
  int signal = 0;      // signal: its number
  int part = 0;        // write_stdin: the bytes are run-<run>-write-<part>; note "line": its number (0: any)
  std::size_t bytes = 0;  // write_stdin: how many
  /// end: "exited", "signaled" (by itself), "timed_out" (its time limit or a
  /// deadlock), "killed" (by the grader), "unknown".
  std::string how;
  /// end: how it ended in words ("exited with status 3"); note: what the
  /// grader did ("looked at /dev/shm").
  std::string text;
  /// note: what a replay can do at this point: "line" (wait until the run
  /// printed `arg`, at most `seconds`), "asleep" (wait until the run sleeps,
  /// at most `seconds`), "shm" (/dev/shm/`arg`, or the lab's
  /// names when empty), "mqueue", "sysv", "file" (`arg` in the working
  /// directory); "" (nothing: words only).
  std::string look;
  std::string arg;
  double seconds = 0;
};

/// A kept check's journal.
struct ReplayRecord {
  std::string test;
  std::vector<ReplayRun> runs;
  std::vector<ReplayStep> steps;  // in time order
};

/// Reads folder/journal.json. Throws GraderError naming the file when it is
/// missing or malformed.
ReplayRecord read_replay_record(const std::filesystem::path& folder);

/// The runner's journal of the running check (one per process).
class ReplayJournal {
 public:
  static ReplayJournal& current();

  /// Keeps journals under `dir` from now on (the runner, under --keep).
  void enable(std::filesystem::path dir);
  bool enabled() const noexcept { return !m_dir.empty(); }
  /// A check starts: an empty journal.
  void begin(const std::string& test);
  /// The check ended: written to <dir>/<test>/ when `keep`, then forgotten.
  void end(bool keep);

  // What the check layer tells it (nothing happens when it is off).
  /// `spawned`: when the grader began to start it (its wall time counts from about then).
  void started(const std::shared_ptr<Process>& process, const World& world, ReplayRun run,
               const std::optional<InputFile>& input, std::chrono::steady_clock::time_point spawned);
  void signal_sent(const Process& process, int signal);
  void stdin_written(const Process& process, const std::string& bytes);
  void stdin_closed(const Process& process);
  /// The grader kills it now (`why`, in words); nothing when it had ended.
  void killed(const Process& process, const std::string& why);
  /// The world ends: how each of its programs ended (those still running
  /// are killed with it). Never throws (called from a destructor).
  void world_ended(const World& world) noexcept;
  /// Something the grader did that touched no program (looked inside the
  /// world, waited for a line): see ReplayStep::look.
  void note(const std::string& text, const std::string& look = "", const std::string& arg = "",
            const Process* about = nullptr, double seconds = 0, int line_number = 0);

 private:
  struct Entry {
    ReplayRun run;
    std::weak_ptr<Process> process;
    const Process* key = nullptr;  // null once it ended
    const World* world = nullptr;
    std::chrono::steady_clock::time_point started;
    std::optional<InputFile> input;
    std::vector<std::string> writes;
    bool ended = false;
  };
  bool recording() const noexcept { return enabled() && !m_test.empty(); }
  Entry* find(const Process& process);
  double now() const;
  void add_end(Entry& entry, double at, std::string how, std::string text);
  void write(const std::filesystem::path& folder) const;

  std::filesystem::path m_dir;
  std::string m_test;
  std::chrono::steady_clock::time_point m_begun;
  std::vector<Entry> m_entries;
  std::vector<ReplayStep> m_steps;
  std::vector<std::pair<const World*, int>> m_open_worlds;
  int m_worlds = 0;
};

}  // namespace labgrade
