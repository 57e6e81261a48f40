// The replay.sh of a kept check (`labgrade check --keep DIR`): the check's
// journal (replay_journal.hpp) as shell commands a student can run, or read
// and type, on their own machine.
//
//   ReplayFacts facts{lab, result, "user namespaces"};
//   write_file_atomically(folder / "replay.sh", replay_script(record, facts));
//
// The script runs the same programs (copied beside it: replay_binary_name)
// with the same arguments, stdin bytes, signals, stdin writes and kills, in
// the order and at the moments the grader did, each world in a fresh
// working directory work/. What cannot be replayed on a plain host is said
// in words where it happened: the grader looking inside its world, its
// control of time, a deadlock it saw. Every text from the check (a
// program's output quoted in a failure) is quoted or commented, never run.
#pragma once

#include <string>

#include "labgrade/lab_spec.hpp"
#include "labgrade/replay_journal.hpp"
#include "labgrade/report.hpp"

namespace labgrade {

/// What the grader knows of the check besides its journal.
struct ReplayFacts {
  const LabSpec& lab;
  const CheckResult& result;
  std::string isolation;  // "user namespaces", or "off (why)"
};

/// The file a run's program is copied to: "pipe" (the student's),
/// "reference-fifo_writer", "bb_producer-size7" (a build variant).
std::string replay_binary_name(const ReplayRun& run);

/// The prefix of a run's files: "1-pipe" (1-pipe.stdin, 1-pipe.stdout, ...).
std::string replay_file_prefix(const ReplayRun& run);

/// The whole replay.sh (POSIX sh).
std::string replay_script(const ReplayRecord& record, const ReplayFacts& facts);

/// `text` as one shell word: itself when it is plain, else single-quoted.
std::string shell_quote(const std::string& text);

}  // namespace labgrade
