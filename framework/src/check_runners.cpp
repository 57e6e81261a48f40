#include "labgrade/check_runners.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "labgrade/appended_lines.hpp"
#include "labgrade/error.hpp"
#include "labgrade/parallel_checks.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::map<std::string, CheckResult> read_results(const fs::path& file) {
  std::map<std::string, CheckResult> out;
  for (const auto& line : AppendedLines(file).read_new()) {
    try {
      CheckResult r = check_result_from_json(json::parse(line));
      out[r.test] = r;
    } catch (const std::exception&) {
      // A line cut by a crash of the runner: that check is reported as lost.
    }
  }
  return out;
}

// The runners' own folder, inside the grading's: the grader's alone.
fs::path private_folder(const fs::path& scratch) {
  const fs::path dir = scratch / "runners";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  return dir;
}

CheckResult grader_error_result(const CheckSpec& spec, const std::string& what) {
  CheckResult r;
  r.test = spec.test;
  r.title = spec.title;
  r.status = CheckResult::Status::grader_error;
  r.max_score = spec.points;
  r.got = what;
  r.visibility = spec.visibility;
  r.tags = spec.tags;
  return r;
}

// A student's program that did not compile: its errors stay under the first
// check, in lab.toml's order, that met it; the later ones are skipped and
// point there (what one runner running them in order does by itself).
void settle_compile_failures(std::vector<CheckResult>& checks) {
  std::map<std::string, const CheckResult*> shown_by;
  std::map<std::string, std::string> rewritten;  // check → the check it now waits for
  for (auto& r : checks) {
    if (r.not_built.empty()) continue;
    auto shown = shown_by.find(r.not_built);
    if (shown == shown_by.end()) {
      shown_by[r.not_built] = &r;
    } else if (!r.not_built_skip.empty()) {
      CheckResult skipped;
      skipped.test = r.test;
      skipped.title = r.title;
      skipped.status = CheckResult::Status::skipped;
      skipped.max_score = r.max_score;
      skipped.visibility = r.visibility;
      skipped.tags = r.tags;
      skipped.seconds = r.seconds;
      skipped.got = fmt::format("{} (why is under \"{}\"): fix that first", r.not_built_skip, shown->second->title);
      skipped.blocked_by = shown->second->test;
      rewritten[r.test] = skipped.blocked_by;
      r = std::move(skipped);
    }
  }
  // A check skipped for a need that is now itself skipped waits for what that one waits for.
  std::map<std::string, std::string> titles;
  for (const auto& r : checks) titles[r.test] = r.title;
  for (auto& r : checks) {
    auto it = rewritten.find(r.blocked_by);
    if (r.status != CheckResult::Status::skipped || it == rewritten.end()) continue;
    r.got = fmt::format("it needs \"{}\", which waits for \"{}\": fix that first", titles[r.blocked_by], titles[it->second]);
    r.blocked_by = it->second;
  }
  for (auto& r : checks) r.not_built.clear(), r.not_built_skip.clear();
}

}  // namespace

int runners_for(int wanted, std::size_t groups, Isolation isolation) {
  if (isolation == Isolation::none) return 1;  // its worlds take the machine one at a time
  int count = wanted > 0 ? wanted : core_count();
  return std::max(1, std::min(count, static_cast<int>(groups)));
}

CheckRunners::CheckRunners(const RunnersSetup& setup)
    : m_lab(setup.lab), m_dir(private_folder(setup.scratch)), m_selected(setup.selected),
      m_groups(check_groups(setup.lab, setup.selected)), m_feed(m_dir / "builds.jsonl"),
      m_compilers(m_dir / "cores.lock") {
  m_compilers.share();  // before any runner: a world with the cores to itself waits for the compilers
  fs::create_directory(m_dir / "claims");
  const int count = runners_for(setup.count, group_count(m_groups), setup.isolation);
  for (int k = 0; k < count; ++k) {
    Runner runner{m_dir / fmt::format("results-{}.jsonl", k), m_dir / fmt::format("started-{}.txt", k), nullptr};
    json context = {{"lab_toml", m_lab.file.string()},   {"scratch", setup.scratch.string()},
                    {"builds", (m_dir / "builds.jsonl").string()},
                    {"claims", (m_dir / "claims").string()}, {"groups", m_groups}, {"runner", k},
                    {"cores", (m_dir / "cores.lock").string()},
                    {"results", runner.results.string()}, {"started", runner.started.string()},
                    {"isolation", to_string(setup.isolation)}, {"isolation_note", setup.isolation_note},
                    {"worlds_ahead", setup.worlds_ahead}, {"all_cores", setup.all_cores}};
    if (setup.journal) context["journal"] = journal_dir().string();
    const fs::path context_file = m_dir / fmt::format("context-{}.json", k);
    std::ofstream(context_file) << context.dump();
    HostCommand command;
    command.argv = setup.command;
    command.argv.push_back(context_file.string());
    command.time_limit = setup.time_limit;
    runner.child = HostChild::start(command);
    m_children.push_back(std::move(runner));
  }
}

CheckRunners::~CheckRunners() = default;  // each HostChild kills what is left of its runner

void CheckRunners::builds_done() {
  m_feed.end();
  m_compilers.release();
}

void CheckRunners::stop() {
  for (auto& runner : m_children) runner.child->kill();
}

void CheckRunners::wait(const std::function<void(const GradeEvent&)>& progress) {
  const std::size_t total = m_selected.size();
  std::size_t begun = 0;
  std::set<std::string> ended;
  std::vector<AppendedLines> results, started;
  for (const auto& runner : m_children) results.emplace_back(runner.results), started.emplace_back(runner.started);
  // The runners' progress as it comes: a check's id in its runner's started
  // file when it starts, its result line when it ends.
  auto follow = [&] {
    if (!progress) return;
    for (std::size_t k = 0; k < m_children.size(); ++k) {
      for (const auto& line : results[k].read_new()) {
        try {
          const CheckResult r = check_result_from_json(json::parse(line));
          ended.insert(r.test);
          progress(GradeEvent{GradeEvent::Kind::ended, r.test, r.title, &r, ended.size(), total});
        } catch (const std::exception&) {
        }
      }
      for (const auto& test : started[k].read_new()) {
        ++begun;
        if (ended.count(test) != 0) continue;  // ended already (seen in the same poll)
        const CheckSpec* spec = m_lab.check(test);
        progress(GradeEvent{GradeEvent::Kind::started, test, spec ? spec->title : test, nullptr, begun, total});
      }
    }
  };
  for (auto& runner : m_children) {
    while (!runner.child->wait_for(std::chrono::milliseconds(progress ? 50 : 1000))) follow();
  }
  follow();
}

std::vector<CheckResult> CheckRunners::results() const {
  std::map<std::string, CheckResult> found;
  std::vector<std::string> problems(m_children.size());
  for (std::size_t k = 0; k < m_children.size(); ++k) {
    found.merge(read_results(m_children[k].results));
    const HostCommandResult& ended = m_children[k].child->wait();
    if (ended.exited_with(0)) continue;
    problems[k] = fmt::format("the check runner {}", ended.describe());
    if (!ended.err.bytes.empty()) problems[k] += ": " + ended.err.bytes.substr(0, 500);
  }
  std::vector<CheckResult> out;
  for (const auto& test : m_selected) {
    const CheckSpec& spec = *m_lab.check(test);
    if (auto it = found.find(test); it != found.end()) {
      out.push_back(it->second);
      continue;
    }
    // The runner that claimed it says why; unclaimed, any runner that died.
    const int runner = CheckClaims::claimed_by(m_dir / "claims", m_groups.at(test));
    std::string problem;
    if (runner >= 0 && static_cast<std::size_t>(runner) < problems.size()) {
      problem = problems[runner];
    } else {
      for (const auto& p : problems) {
        if (problem.empty()) problem = p;
      }
    }
    out.push_back(grader_error_result(spec, problem.empty() ? "the check did not run" : problem + " before this check ended"));
  }
  settle_compile_failures(out);
  return out;
}

}  // namespace labgrade
