#include "labgrade/batch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "labgrade/archive.hpp"
#include "labgrade/builder.hpp"
#include "labgrade/cgroup.hpp"
#include "labgrade/content_hash.hpp"
#include "labgrade/error.hpp"
#include "labgrade/reporters.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// What decides every student's grade alike: labgrade itself (its version and
// its build-id, which the linker computed from its bytes: the graders are
// compiled into it; its bytes hashed only when it has none) and the lab
// (lab.toml, include/, ... and the reference). Computed once a batch.
std::string grader_fingerprint(const LabSpec& lab, const std::string& version) {
  ContentHash f;
  f.add("labgrade " + version);
  if (const std::string id = own_build_id(); !id.empty()) f.add("build-id " + id);
  else f.add_file("/proc/self/exe");
  f.add_tree(lab.dir());
  f.add_tree(lab.reference_dir);
  return f.hex();
}

// The grader's, and the submission's bytes (an archive's own, or a folder's files).
std::string fingerprint_of(const fs::path& submission, const std::string& grader) {
  ContentHash f;
  f.add(grader);
  if (fs::is_directory(submission)) {
    f.add("folder");
    f.add_tree(submission);
  } else {
    f.add("archive");
    f.add_file(submission);
  }
  return f.hex();
}

json report_to_json(const Report& r) {
  json checks = json::array();
  for (const auto& c : r.checks) checks.push_back(to_json(c));
  return json{{"lab", r.lab}, {"title", r.title}, {"submission", r.submission}, {"execution_time", r.execution_time},
              {"isolation", r.isolation}, {"isolation_note", r.isolation_note}, {"cgroups_missing", r.cgroups_missing},
              {"checks", checks}};
}

Report report_from_json(const json& j) {
  Report r;
  r.lab = j.at("lab").get<std::string>();
  r.title = j.at("title").get<std::string>();
  r.submission = j.at("submission").get<std::string>();
  r.execution_time = j.at("execution_time").get<double>();
  r.isolation = j.at("isolation").get<std::string>();
  r.isolation_note = j.at("isolation_note").get<std::string>();
  r.cgroups_missing = j.at("cgroups_missing").get<std::string>();
  for (const auto& c : j.at("checks")) r.checks.push_back(check_result_from_json(c));
  return r;
}

constexpr const char* k_stored = ".labgrade-report.json";

// The stored result of an earlier run, and its fingerprint, if whole and readable.
std::optional<std::pair<Report, std::string>> stored(const fs::path& student_out) {
  std::ifstream in(student_out / k_stored);
  if (!in) return std::nullopt;
  json stored = json::parse(in, nullptr, false);
  if (stored.is_discarded() || !stored.contains("fingerprint") || !stored["fingerprint"].is_string()) return std::nullopt;
  if (!fs::exists(student_out / "results.json") || !fs::exists(student_out / "feedback.txt")) return std::nullopt;
  try {
    return std::make_pair(report_from_json(stored.at("report")), stored["fingerprint"].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;  // an older format: grade again
  }
}

// The stored result of an earlier run, if its fingerprint is this one.
std::optional<Report> reusable(const fs::path& student_out, const std::string& fingerprint) {
  auto earlier = stored(student_out);
  if (!earlier || earlier->second != fingerprint) return std::nullopt;
  return std::move(earlier->first);
}

void store(const fs::path& student_out, const Report& report, const std::string& fingerprint) {
  fs::create_directories(student_out);
  write_file_atomically(student_out / "results.json",
                        format_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  write_file_atomically(student_out / "feedback.txt", format_text(report, TextStyle{.colour = false}));
  // Last: only a student whose three files are whole is ever reused.
  write_file_atomically(student_out / k_stored,
                        json{{"fingerprint", fingerprint}, {"report", report_to_json(report)}}
                            .dump(1, ' ', false, json::error_handler_t::replace));
}

// The temporary files of write_file_atomically (".NAME.PID.tmp") in OUT and its students' folders.
void remove_temporaries(const fs::path& out_dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(out_dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() > 1) continue;
    const std::string name = it->path().filename().string();
    if (name.size() > 5 && name[0] == '.' && name.ends_with(".tmp") && it->is_regular_file()) fs::remove(it->path(), ec);
  }
}

}  // namespace

namespace {
constexpr std::string_view k_not_graded = "labgrade could not grade this submission: ";
}  // namespace

std::string not_graded_feedback(const std::string& problem) { return std::string(k_not_graded) + problem + "\n"; }

std::optional<std::string> not_graded_problem(const std::string& feedback) {
  if (!feedback.starts_with(k_not_graded)) return std::nullopt;
  std::string why = feedback.substr(k_not_graded.size());
  if (!why.empty() && why.back() == '\n') why.pop_back();
  return why;
}

std::optional<Report> stored_report(const fs::path& student_out) {
  auto earlier = stored(student_out);
  if (!earlier) return std::nullopt;
  return std::move(earlier->first);
}

std::vector<fs::path> find_submissions(const fs::path& submissions) {
  if (!fs::is_directory(submissions)) throw UsageError(fmt::format("no such submissions directory: {}", submissions.string()));
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(submissions)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (entry.is_directory() || (entry.is_regular_file() && is_archive(entry.path()))) found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string student_name(const fs::path& submission) {
  return fs::is_directory(submission) ? submission.filename().string() : archive_student_name(submission);
}

// The batch as a list of steps: find the students → build the reference once
// (workers then share the cache) → workers take students one at a time:
// fingerprint, reuse or grade, store → the results in name order.
BatchResult grade_batch(const LabSpec& lab, const fs::path& submissions, const BatchOptions& options) {
  std::vector<fs::path> students = find_submissions(submissions);
  // Names: the folder's, or the archive's without its extension (the whole
  // file name where that would take a name already used).
  std::vector<std::string> names;
  for (const auto& s : students) {
    std::string name = student_name(s);
    if (std::find(names.begin(), names.end(), name) != names.end()) name = s.filename().string();
    names.push_back(name);
  }
  // A shard grades its slice only (by name: a student's shard never depends on the others).
  std::vector<fs::path> all_students = std::move(students);
  std::vector<std::string> all_names = std::move(names);
  for (std::size_t i = 0; i < all_students.size(); ++i) {
    if (options.shard.holds(all_names[i])) {
      students.push_back(all_students[i]);
      names.push_back(all_names[i]);
    }
  }
  const int jobs = options.jobs > 0 ? options.jobs : core_count();
  GradeOptions grading = options.grading;
  grading.jobs = 1;  // the students are the parallelism
  grading.check_jobs = 1;
  grading.worlds_ahead = worlds_ahead_for(jobs);
  const CoreShares shares(jobs);  // each student's grading on its own cores
  grading.all_cores = shares.all();
  if (grading.cache_dir.empty()) grading.cache_dir = default_cache_dir();
  detect_isolation();
  cgroup_support();  // also removes the groups of a run killed earlier, even when nobody is graded now
  build_reference(lab, grading.cache_dir, jobs);
  const std::string grader = grader_fingerprint(lab, options.version);
  fs::create_directories(options.out_dir);
  remove_temporaries(options.out_dir);  // of a run killed half-way: never trusted, never left

  std::vector<std::optional<StudentResult>> results(students.size());
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  BatchProgress progress;
  progress.total = students.size();
  const auto start = std::chrono::steady_clock::now();

  auto worker = [&](int w) {
    shares.keep_this_thread_to(w);
    for (;;) {
      if (options.stop != nullptr && options.stop->load()) return;
      const std::size_t i = next++;
      if (i >= students.size()) return;
      StudentResult r;
      r.name = names[i];
      const fs::path out = options.out_dir / r.name;
      const std::string fingerprint = fingerprint_of(students[i], grader);
      if (auto earlier = reusable(out, fingerprint)) {
        r.report = std::move(*earlier);
      } else {
        try {
          if (fs::is_directory(students[i])) {
            r.report = grade_submission(lab, students[i], grading);
          } else {  // unpacked safely into a scratch folder of its own, graded, removed
            TempDir unpacked("labgrade-unpacked-");
            Unpacked u = unpack_submission(students[i], unpacked.path() / "files");
            if (!u.problem.empty()) throw UsageError(students[i].filename().string() + ": " + u.problem);
            r.report = grade_submission(lab, u.root, grading);
            r.report.submission = fs::absolute(students[i]).string();
          }
        } catch (const std::exception& e) {  // this student's problem (or ours): reported, the batch goes on
          r.problem = e.what();
          r.report.lab = lab.name;
          r.report.title = lab.title;
          r.report.submission = fs::absolute(students[i]).string();
        }
        r.graded_now = true;
        if (options.stop != nullptr && options.stop->load() && r.report.has_grader_error()) return;  // cut short: not a result
        if (r.problem.empty()) {
          store(out, r.report, fingerprint);
        } else {  // told in the student's feedback, and tried again next run
          fs::create_directories(out);
          write_file_atomically(out / "feedback.txt", not_graded_feedback(r.problem));
        }
      }
      std::lock_guard guard(progress_mutex);
      results[i] = std::move(r);
      ++progress.done;
      if (!results[i]->graded_now) ++progress.reused;
      progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.last = &*results[i];
      if (options.progress) options.progress(progress);
    }
  };
  std::vector<std::thread> workers;
  for (int w = 0; w < jobs; ++w) workers.emplace_back(worker, w);
  for (auto& t : workers) t.join();

  BatchResult batch;
  batch.stopped = options.stop != nullptr && options.stop->load();
  for (auto& r : results) {
    if (r) batch.students.push_back(std::move(*r));
  }
  return batch;
}

}  // namespace labgrade
