// An instructor's batch: every submission of a class graded, each student's
// results and feedback written as soon as they are known, and a rerun that
// grades again only what changed.
//
//   BatchOptions options{.jobs = 2, .out_dir = "out", .version = "0.1.0"};
//   BatchResult result = grade_batch(lab, "submissions/", options);
//   write_class_files(lab, result.students, "out");   // grades.csv, report.html
//
// A student is an immediate subdirectory of the submissions folder, or a
// .zip / .tar.gz / .tgz there (unpacked safely, see archive.hpp; a folder
// nested one level deep inside is found), named by its file name; a bad
// archive is that student's failed entry with the reason. Students are graded in parallel (each check still in a world of
// its own). Per student, OUT/<name>/ gets results.json (cli.md's JSON),
// feedback.txt (the text report) and .labgrade-report.json (everything,
// with the fingerprint of the submission's bytes, the lab and labgrade's
// version): a student whose fingerprint is unchanged is not graded again.
// Every file is written to a temporary name and renamed, so a run killed
// half-way leaves nothing half-written that a rerun would trust.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/grading.hpp"
#include "labgrade/lab_spec.hpp"
#include "labgrade/report.hpp"
#include "labgrade/shard.hpp"
#include "labgrade/temp_dir.hpp"  // write_file_atomically

namespace labgrade {

struct StudentResult {
  std::string name;
  Report report;
  bool graded_now = false;   // false: unchanged since the last run, results reused
  std::string problem;       // why the student could not be graded at all ("" when graded)
};

struct BatchProgress {
  std::size_t done = 0, total = 0, reused = 0;
  double seconds = 0;
  const StudentResult* last = nullptr;
};

struct BatchOptions {
  int jobs = 0;                        // students at once; 0: the number of cores
  std::filesystem::path out_dir;
  std::string version;                 // labgrade's: part of the fingerprint
  GradeOptions grading;                // runner, cache
  std::function<void(const BatchProgress&)> progress;  // called from the workers, one at a time
  const std::atomic<bool>* stop = nullptr;             // set: take no new student
  Shard shard;                         // only this slice of the class (default: all of it)
};

struct BatchResult {
  std::vector<StudentResult> students;  // in name order; only the ones finished when stopped
  bool stopped = false;
};

/// The students of a submissions folder, in name order.
std::vector<std::filesystem::path> find_submissions(const std::filesystem::path& submissions);

/// The report stored in a student's folder of OUT by an earlier run (whole:
/// its three files written), whatever its fingerprint; none otherwise.
std::optional<Report> stored_report(const std::filesystem::path& student_out);

/// The feedback.txt of a student labgrade could not grade (a broken archive,
/// no source at all), and why, read back from one (merge); none when the
/// text is not such a feedback.
std::string not_graded_feedback(const std::string& problem);
std::optional<std::string> not_graded_problem(const std::string& feedback);

/// Grades every student (see above). Throws UsageError when the folder is missing.
BatchResult grade_batch(const LabSpec& lab, const std::filesystem::path& submissions, const BatchOptions& options);

}  // namespace labgrade
