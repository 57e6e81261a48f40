// The folder of `labgrade check --keep DIR`: each failed check that ran a
// program, ready to be replayed by hand.
//
//   prepare_keep_folder(dir);                        // before grading: UsageError if not ours to fill
//   ... grading, with the runner's journals in `journals` ...
//   write_keep_folder({dir, journals, lab, student, reference}, report);
//   // dir/ShortTextArrives/{replay.sh, pipe, 1-pipe.stdin}; report's check says "sh dir/.../replay.sh"
//
// DIR/<check>/ holds the programs the check ran, as binaries (the student's
// as labgrade built them, the reference's from labgrade's builds: never a
// reference source), the bytes each was given, and replay.sh
// (replay_script.hpp). Everything is copied by the grader, after the
// checks, from its own builds and records, into folders it names: what a
// program did in its world decides nothing of what goes where. DIR holds a
// marker, .labgrade-keep, naming the folders labgrade made there: a later
// --keep replaces those, and refuses a folder holding anything else.
#pragma once

#include <filesystem>

#include "labgrade/builder.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/report.hpp"

namespace labgrade {

/// The marker of a folder made by --keep.
inline constexpr const char* k_keep_marker = ".labgrade-keep";

/// DIR may receive the replays: it is missing (it is made), empty, or an
/// earlier --keep's with nothing added at its top. Throws UsageError naming
/// DIR (and what is in the way) otherwise.
void prepare_keep_folder(const std::filesystem::path& dir);

struct KeepSources {
  std::filesystem::path dir;       // the folder the student named
  std::filesystem::path journals;  // the runner's journals (ReplayJournal), one folder a check
  const LabSpec& lab;
  const Builds& student;
  const Builds& reference;
};

/// Replaces what an earlier --keep made in DIR with a folder for each failed
/// check of `report` that has a journal, and sets that check's `replay`
/// (the command that runs it, or why it has none). Throws UsageError when
/// DIR can't be written, GraderError when a build it needs is gone.
void write_keep_folder(const KeepSources& sources, Report& report);

}  // namespace labgrade
