#include "labgrade/replay_journal.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "labgrade/error.hpp"
#include "labgrade/process.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* kind_name(ReplayStep::Kind kind) {
  switch (kind) {
    case ReplayStep::Kind::start: return "start";
    case ReplayStep::Kind::end: return "end";
    case ReplayStep::Kind::signal: return "signal";
    case ReplayStep::Kind::write_stdin: return "write_stdin";
    case ReplayStep::Kind::close_stdin: return "close_stdin";
    case ReplayStep::Kind::note: return "note";
    case ReplayStep::Kind::world_end: return "world_end";
  }
  return "note";
}

ReplayStep::Kind kind_of(const std::string& name) {
  for (auto kind : {ReplayStep::Kind::start, ReplayStep::Kind::end, ReplayStep::Kind::signal,
                    ReplayStep::Kind::write_stdin, ReplayStep::Kind::close_stdin, ReplayStep::Kind::note,
                    ReplayStep::Kind::world_end}) {
    if (name == kind_name(kind)) return kind;
  }
  throw std::invalid_argument("unknown step kind \"" + name + "\"");
}

json to_json(const ReplayRun& r) {
  return {{"id", r.id},           {"world", r.world},         {"role", r.role},
          {"program", r.program}, {"variant", r.variant},     {"args", r.args},
          {"stdin", r.has_stdin}, {"interactive", r.interactive}, {"time_limit", r.time_limit}};
}

json to_json(const ReplayStep& s) {
  return {{"kind", kind_name(s.kind)}, {"at", s.at},     {"run", s.run},   {"world", s.world},
          {"signal", s.signal},        {"part", s.part}, {"bytes", s.bytes}, {"how", s.how},
          {"text", s.text},            {"look", s.look}, {"arg", s.arg},   {"seconds", s.seconds}};
}

// How a process that ended by itself (or at its time limit) ended.
std::string how_it_ended(const ProcessResult& r) {
  switch (r.ending) {
    case ProcessResult::Ending::exited: return "exited";
    case ProcessResult::Ending::signaled: return "signaled";
    case ProcessResult::Ending::timed_out: return "timed_out";
  }
  return "unknown";
}

// A step of `kind` at `at` seconds, about run `run` (0: none).
ReplayStep step_of(ReplayStep::Kind kind, double at, int run = 0) {
  ReplayStep step;
  step.kind = kind;
  step.at = at;
  step.run = run;
  return step;
}

}  // namespace

ReplayRecord read_replay_record(const fs::path& folder) {
  const fs::path file = folder / "journal.json";
  std::ifstream in(file);
  if (!in) throw GraderError(fmt::format("{}: cannot read the check's journal", file.string()));
  try {
    const json j = json::parse(in);
    ReplayRecord record;
    record.test = j.at("test").get<std::string>();
    for (const auto& r : j.at("runs")) {
      record.runs.push_back(ReplayRun{r.at("id").get<int>(), r.at("world").get<int>(), r.at("role").get<std::string>(),
                                      r.at("program").get<std::string>(), r.at("variant").get<std::string>(),
                                      r.at("args").get<std::vector<std::string>>(), r.at("stdin").get<bool>(),
                                      r.at("interactive").get<bool>(), r.at("time_limit").get<double>()});
    }
    for (const auto& s : j.at("steps")) {
      ReplayStep step;
      step.kind = kind_of(s.at("kind").get<std::string>());
      step.at = s.at("at").get<double>();
      step.run = s.at("run").get<int>();
      step.world = s.at("world").get<int>();
      step.signal = s.at("signal").get<int>();
      step.part = s.at("part").get<int>();
      step.bytes = s.at("bytes").get<std::size_t>();
      step.how = s.at("how").get<std::string>();
      step.text = s.at("text").get<std::string>();
      step.look = s.at("look").get<std::string>();
      step.arg = s.at("arg").get<std::string>();
      step.seconds = s.at("seconds").get<double>();
      record.steps.push_back(std::move(step));
    }
    return record;
  } catch (const std::exception& e) {
    throw GraderError(fmt::format("{}: a damaged journal ({})", file.string(), e.what()));
  }
}

ReplayJournal& ReplayJournal::current() {
  static ReplayJournal journal;
  return journal;
}

void ReplayJournal::enable(fs::path dir) { m_dir = std::move(dir); }

void ReplayJournal::begin(const std::string& test) {
  m_test = test;
  m_begun = std::chrono::steady_clock::now();
  m_entries.clear();
  m_steps.clear();
  m_open_worlds.clear();
  m_worlds = 0;
}

double ReplayJournal::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_begun).count();
}

ReplayJournal::Entry* ReplayJournal::find(const Process& process) {
  if (!recording()) return nullptr;
  for (auto& entry : m_entries) {
    if (entry.key == &process) return &entry;
  }
  return nullptr;
}

void ReplayJournal::add_end(Entry& entry, double at, std::string how, std::string text) {
  ReplayStep step = step_of(ReplayStep::Kind::end, at, entry.run.id);
  step.how = std::move(how);
  step.text = std::move(text);
  m_steps.push_back(std::move(step));
  entry.ended = true;
  entry.key = nullptr;  // its address may be another process's later
}

void ReplayJournal::started(const std::shared_ptr<Process>& process, const World& world, ReplayRun run,
                            const std::optional<InputFile>& input, std::chrono::steady_clock::time_point spawned) {
  if (!recording()) return;
  auto open = std::find_if(m_open_worlds.begin(), m_open_worlds.end(), [&](const auto& w) { return w.first == &world; });
  if (open == m_open_worlds.end()) open = m_open_worlds.insert(m_open_worlds.end(), {&world, ++m_worlds});
  run.id = static_cast<int>(m_entries.size()) + 1;
  run.world = open->second;
  run.has_stdin = input.has_value();
  Entry entry{run, process, process.get(), &world, spawned, input, {}, false};
  m_steps.push_back(step_of(ReplayStep::Kind::start, std::chrono::duration<double>(spawned - m_begun).count(), run.id));
  m_entries.push_back(std::move(entry));
}

void ReplayJournal::signal_sent(const Process& process, int signal) {
  Entry* entry = find(process);
  if (entry == nullptr) return;
  ReplayStep step = step_of(ReplayStep::Kind::signal, now(), entry->run.id);
  step.signal = signal;
  m_steps.push_back(step);
}

void ReplayJournal::stdin_written(const Process& process, const std::string& bytes) {
  Entry* entry = find(process);
  if (entry == nullptr) return;
  entry->writes.push_back(bytes);
  ReplayStep step = step_of(ReplayStep::Kind::write_stdin, now(), entry->run.id);
  step.part = static_cast<int>(entry->writes.size());
  step.bytes = bytes.size();
  m_steps.push_back(step);
}

void ReplayJournal::stdin_closed(const Process& process) {
  Entry* entry = find(process);
  if (entry == nullptr) return;
  m_steps.push_back(step_of(ReplayStep::Kind::close_stdin, now(), entry->run.id));
}

void ReplayJournal::killed(const Process& process, const std::string& why) {
  Entry* entry = find(process);
  if (entry == nullptr || process.finished()) return;
  add_end(*entry, now(), "killed", why);
}

void ReplayJournal::note(const std::string& text, const std::string& look, const std::string& arg,
                         const Process* about, double seconds, int line_number) {
  if (!recording()) return;
  ReplayStep step = step_of(ReplayStep::Kind::note, now());
  if (about != nullptr) {
    if (Entry* entry = find(*about)) step.run = entry->run.id;
  }
  step.text = text;
  step.look = look;
  step.arg = arg;
  step.seconds = seconds;
  step.part = line_number;
  m_steps.push_back(std::move(step));
}

void ReplayJournal::world_ended(const World& world) noexcept {
  try {
    if (!recording()) return;
    auto open = std::find_if(m_open_worlds.begin(), m_open_worlds.end(), [&](const auto& w) { return w.first == &world; });
    if (open == m_open_worlds.end()) return;  // it ran nothing
    const double at = now();
    for (auto& entry : m_entries) {
      if (entry.world != &world || entry.ended) continue;
      auto process = entry.process.lock();
      if (process && process->finished()) {
        const ProcessResult& r = process->wait();
        const double started = std::chrono::duration<double>(entry.started - m_begun).count();
        add_end(entry, std::min(at, started + r.wall_seconds), how_it_ended(r), r.describe());
      } else {
        add_end(entry, at, "killed", "the check ended its world, and every program still in it");
      }
      entry.world = nullptr;
    }
    ReplayStep step = step_of(ReplayStep::Kind::world_end, at);
    step.world = open->second;
    m_steps.push_back(step);
    m_open_worlds.erase(open);
  } catch (...) {
    // The journal is a courtesy: it never breaks a world's teardown.
  }
}

void ReplayJournal::write(const fs::path& folder) const {
  fs::create_directories(folder);
  json runs = json::array(), steps = json::array();
  for (const auto& entry : m_entries) {
    runs.push_back(to_json(entry.run));
    if (entry.input) {
      std::ofstream out(folder / fmt::format("run-{}.stdin", entry.run.id), std::ios::binary);
      out.write(entry.input->bytes().data(), static_cast<std::streamsize>(entry.input->size()));
      if (!out) throw GraderError(fmt::format("{}: cannot write a run's input", folder.string()));
    }
    for (std::size_t k = 0; k < entry.writes.size(); ++k) {
      std::ofstream out(folder / fmt::format("run-{}-write-{}", entry.run.id, k + 1), std::ios::binary);
      out << entry.writes[k];
      if (!out) throw GraderError(fmt::format("{}: cannot write a run's input", folder.string()));
    }
  }
  std::vector<ReplayStep> ordered = m_steps;
  std::stable_sort(ordered.begin(), ordered.end(), [](const ReplayStep& a, const ReplayStep& b) { return a.at < b.at; });
  for (const auto& step : ordered) steps.push_back(to_json(step));
  std::ofstream out(folder / "journal.json");
  out << json{{"test", m_test}, {"runs", runs}, {"steps", steps}}.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!out) throw GraderError(fmt::format("{}: cannot write the check's journal", folder.string()));
}

void ReplayJournal::end(bool keep) {
  if (!recording()) return;
  // A world still open (none should be by now) ends with the check.
  for (auto& entry : m_entries) {
    if (!entry.ended) add_end(entry, now(), "unknown", "the check ended before its world did");
  }
  if (keep && !m_entries.empty()) write(m_dir / m_test);
  m_test.clear();
  m_entries.clear();
  m_steps.clear();
  m_open_worlds.clear();
}

}  // namespace labgrade
