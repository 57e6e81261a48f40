#include "labgrade/selftest.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <iterator>
#include <thread>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "labgrade/error.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/world.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr int k_parallel_mutants = 2;

// One change to a reference file: `find` (which must occur exactly once) becomes `replace`.
struct Edit {
  std::string file;
  std::string find;
  std::string replace;
  long line = 0;  // in mutant.toml
};

struct Mutant {
  std::string name;
  fs::path dir;
  std::string description;
  std::vector<std::string> fails;
  std::vector<Edit> edits;
};

Mutant read_mutant(const LabSpec& lab, const fs::path& dir) {
  const fs::path file = dir / "mutant.toml";
  const std::string where = file.string();
  toml::table table;
  try {
    table = toml::parse_file(where);
  } catch (const toml::parse_error& e) {
    throw LabSpecError(where, static_cast<long>(e.source().begin.line),
                       static_cast<long>(e.source().begin.column), "", std::string(e.description()));
  }
  Mutant m{dir.filename().string(), dir, "", {}, {}};
  for (auto&& [key, node] : table) {
    const long line = static_cast<long>(node.source().begin.line);
    const long column = static_cast<long>(node.source().begin.column);
    if (key == "description") {
      if (!node.is_string()) throw LabSpecError(where, line, column, "description", "expected a string");
      m.description = node.as_string()->get();
    } else if (key == "fails") {
      if (!node.is_array()) throw LabSpecError(where, line, column, "fails", "expected an array of check names");
      for (const toml::node& item : *node.as_array()) {
        const long item_line = static_cast<long>(item.source().begin.line);
        const long item_column = static_cast<long>(item.source().begin.column);
        if (!item.is_string()) throw LabSpecError(where, item_line, item_column, "fails", "expected a check name");
        std::string test = item.as_string()->get();
        if (lab.check(test) == nullptr) {
          throw LabSpecError(where, item_line, item_column, "fails", fmt::format("no check \"{}\" in lab.toml", test));
        }
        m.fails.push_back(test);
      }
    } else if (key == "edit") {
      if (!node.is_array_of_tables()) throw LabSpecError(where, line, column, "edit", "expected [[edit]] tables");
      for (const toml::node& item : *node.as_array()) {
        const toml::table& t = *item.as_table();
        const long edit_line = static_cast<long>(item.source().begin.line);
        Edit edit{"", "", "", edit_line};
        for (auto&& [edit_key, value] : t) {
          const std::string name(edit_key.str());
          if (!value.is_string() || (name != "file" && name != "find" && name != "replace")) {
            throw LabSpecError(where, static_cast<long>(value.source().begin.line),
                               static_cast<long>(value.source().begin.column), "edit." + name,
                               "expected file, find and replace, as strings");
          }
          (name == "file" ? edit.file : name == "find" ? edit.find : edit.replace) = value.as_string()->get();
        }
        if (edit.file.empty() || edit.find.empty()) {
          throw LabSpecError(where, edit_line, 1, "edit", "an [[edit]] needs a file and the text to find");
        }
        m.edits.push_back(std::move(edit));
      }
    } else {
      throw LabSpecError(where, line, column, std::string(key.str()), "unknown key");
    }
  }
  if (m.fails.empty()) throw LabSpecError(where, 1, 1, "fails", "missing: name the checks this mutant must fail");
  return m;
}

std::vector<Mutant> find_mutants(const LabSpec& lab) {
  std::vector<Mutant> mutants;
  const fs::path root = lab.dir() / "mutants";
  if (!fs::is_directory(root)) return mutants;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    // A folder without its mutant.toml would prove nothing, silently: the instructor's mistake.
    if (!fs::is_regular_file(entry.path() / "mutant.toml"))
      throw LabSpecError((entry.path() / "mutant.toml").string(), 1, 1, "mutant.toml",
                         "missing: every folder of mutants/ is a mutant and needs one (description, fails, [[edit]])");
    mutants.push_back(read_mutant(lab, entry.path()));
  }
  std::sort(mutants.begin(), mutants.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return mutants;
}

// The reference's files, then the mutant's own files on top, then its edits.
void assemble(const LabSpec& lab, const Mutant& mutant, const fs::path& into) {
  for (const fs::path& from : {lab.reference_dir, mutant.dir}) {
    for (const auto& entry : fs::directory_iterator(from)) {
      if (!entry.is_regular_file() || entry.path().filename() == "mutant.toml") continue;
      fs::copy_file(entry.path(), into / entry.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  const std::string where = (mutant.dir / "mutant.toml").string();
  for (const Edit& edit : mutant.edits) {
    const fs::path file = into / edit.file;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw LabSpecError(where, edit.line, 1, "edit.file", fmt::format("no file {} to edit", edit.file));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(edit.find);
    if (at == std::string::npos || text.find(edit.find, at + 1) != std::string::npos) {
      throw LabSpecError(where, edit.line, 1, "edit.find",
                         fmt::format("the text to find must occur exactly once in {}", edit.file));
    }
    text.replace(at, edit.find.size(), edit.replace);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  }
}

}  // namespace

std::vector<std::string> write_known_submissions(const LabSpec& lab, const fs::path& into) {
  std::vector<std::string> names = {"reference"};
  fs::create_directories(into / "reference");
  for (const auto& entry : fs::directory_iterator(lab.reference_dir)) {
    if (entry.is_regular_file()) fs::copy_file(entry.path(), into / "reference" / entry.path().filename());
  }
  for (const Mutant& mutant : find_mutants(lab)) {
    fs::create_directories(into / mutant.name);
    assemble(lab, mutant, into / mutant.name);
    names.push_back(mutant.name);
  }
  return names;
}

bool SelftestResult::ok() const {
  if (reference.has_grader_error() || reference.score() < reference.max_score()) return false;
  for (const auto& c : reference.checks) {
    if (c.status != CheckResult::Status::passed) return false;
  }
  for (const auto& m : mutants) {
    if (!m.ok()) return false;
  }
  return unproven.empty();
}

std::string why_not_provable_here(const LabSpec& lab) {
  if (!lab.needs_namespaces() || detect_isolation() != Isolation::none) return {};
  return fmt::format("{} cannot be proved on this machine: its worlds need a network of their own (loopback{}), "
                     "which needs namespaces, and labgrade has none here ({})",
                     lab.name, lab.rpcbind ? " and rpcbind" : "", isolation_fallback_reason());
}

SelftestResult selftest_lab(const LabSpec& lab, const GradeOptions& options) {
  if (std::string why = why_not_provable_here(lab); !why.empty()) throw GraderError(why);
  SelftestResult result;
  result.lab = lab.name;
  auto mutants = find_mutants(lab);
  result.reference = grade_submission(lab, lab.reference_dir, options);
  std::set<std::string> caught;
  // Mutants are independent submissions, each graded in its own worlds: two
  // at a time. A slower grading can only make a mutant fail more checks, and
  // a mutant is judged on the checks it must fail, so this never hides one.
  std::vector<Report> reports(mutants.size());
  GradeOptions one_runner = options;  // the mutants are the parallelism
  one_runner.check_jobs = 1;
  one_runner.worlds_ahead = worlds_ahead_for(k_parallel_mutants);
  const CoreShares shares(k_parallel_mutants);
  one_runner.all_cores = shares.all();
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(mutants.size());
  auto worker = [&](int w) {
    shares.keep_this_thread_to(w);
    for (std::size_t i = next++; i < mutants.size(); i = next++) {
      try {
        TempDir submission("labgrade-mutant-");
        assemble(lab, mutants[i], submission.path());
        reports[i] = grade_submission(lab, submission.path(), one_runner);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < k_parallel_mutants; ++w) workers.emplace_back(worker, w);
  }
  for (std::size_t i = 0; i < mutants.size(); ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    const Mutant& mutant = mutants[i];
    MutantOutcome outcome{mutant.name, mutant.description, mutant.fails, {}, {}, {}};
    for (const auto& c : reports[i].checks) {
      if (c.status == CheckResult::Status::failed) {
        outcome.failed.push_back(c.test);
        caught.insert(c.test);
      } else if (c.status == CheckResult::Status::skipped) {
        outcome.failed.push_back(c.test);  // the mutant loses the point; the check's own logic is proved by another
      } else if (c.status == CheckResult::Status::grader_error) {
        outcome.grader_errors.push_back(c.test + ": " + c.got);
      }
    }
    for (const auto& test : mutant.fails) {
      if (std::find(outcome.failed.begin(), outcome.failed.end(), test) == outcome.failed.end()) {
        outcome.not_caught.push_back(test);
      }
    }
    result.mutants.push_back(std::move(outcome));
  }
  for (const auto& c : lab.checks) {
    if (caught.count(c.test) == 0) result.unproven.push_back(c.test);
  }
  return result;
}

std::string format_selftest(const SelftestResult& r) {
  std::string out = fmt::format("selftest {}\n", r.lab);
  bool reference_ok = !r.reference.has_grader_error() && r.reference.passed();
  for (const auto& c : r.reference.checks) reference_ok = reference_ok && c.status == CheckResult::Status::passed;
  out += fmt::format("  {} reference: {:g}/{:g}\n", reference_ok ? "ok  " : "FAIL", r.reference.score(),
                     r.reference.max_score());
  for (const auto& c : r.reference.checks) {
    if (c.status != CheckResult::Status::passed) out += fmt::format("         {}: {}\n", c.test, c.output());
  }
  for (const auto& m : r.mutants) {
    std::string failed;
    for (const auto& t : m.failed) failed += (failed.empty() ? "" : ", ") + t;
    out += fmt::format("  {} mutant {}: {}\n         failed: {}\n", m.ok() ? "ok  " : "FAIL", m.name,
                       m.description, failed.empty() ? "nothing" : failed);
    for (const auto& t : m.not_caught) out += fmt::format("         NOT CAUGHT: {} passed\n", t);
    for (const auto& e : m.grader_errors) out += fmt::format("         GRADER ERROR: {}\n", e);
  }
  for (const auto& t : r.unproven) out += fmt::format("  FAIL check {} is failed by no mutant\n", t);
  out += fmt::format("{} {}\n", r.ok() ? "proved" : "NOT PROVED", r.lab);
  return out;
}

}  // namespace labgrade
