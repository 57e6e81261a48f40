#include "labgrade/lab_spec.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
// toml++ as a header-only library (compiled here, its one user): no shared
// library to ship with a kit's program.
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// Reads one TOML table, remembering which keys were asked for, so that every
// other key can be reported as unknown with its position.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, const std::string& file)
      : m_table(table), m_path(std::move(path)), m_file(file) {}

  std::string key_name(const std::string& key) const {
    return m_path.empty() ? key : m_path + "." + key;
  }

  [[noreturn]] void fail(const toml::source_region& where, const std::string& key,
                         const std::string& message) const {
    throw LabSpecError(m_file, static_cast<long>(where.begin.line),
                       static_cast<long>(where.begin.column), key, message);
  }

  const toml::node* node(const std::string& key) {
    m_seen.insert(key);
    return m_table.get(key);
  }

  std::optional<std::string> string(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) fail(n->source(), key_name(key), "expected a string");
    return n->as_string()->get();
  }

  std::string required_string(const std::string& key) {
    auto value = string(key);
    if (!value) fail(m_table.source(), key_name(key), "missing (a string is required)");
    if (value->empty()) fail(node(key)->source(), key_name(key), "must not be empty");
    return *value;
  }

  std::optional<double> number(const std::string& key, double min_value) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_number()) fail(n->source(), key_name(key), "expected a number");
    double value = n->value<double>().value();
    if (value < min_value) {
      fail(n->source(), key_name(key), fmt::format("must be at least {}", min_value));
    }
    return value;
  }

  std::optional<long> integer(const std::string& key, long min_value) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) fail(n->source(), key_name(key), "expected an integer");
    long value = static_cast<long>(n->as_integer()->get());
    if (value < min_value) {
      fail(n->source(), key_name(key), fmt::format("must be at least {}", min_value));
    }
    return value;
  }

  std::optional<std::vector<std::string>> strings(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_array()) fail(n->source(), key_name(key), "expected an array of strings");
    std::vector<std::string> out;
    for (const toml::node& item : *n->as_array()) {
      if (!item.is_string()) fail(item.source(), key_name(key), "expected an array of strings");
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  std::optional<bool> boolean(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) fail(n->source(), key_name(key), "expected true or false");
    return n->as_boolean()->get();
  }

  const toml::table* table(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) fail(n->source(), key_name(key), "expected a table");
    return n->as_table();
  }

  const toml::array* array_of_tables(const std::string& key) {
    const toml::node* n = node(key);
    if (n == nullptr) return nullptr;
    if (!n->is_array_of_tables()) {
      fail(n->source(), key_name(key), "expected an array of tables ([[" + key + "]])");
    }
    return n->as_array();
  }

  void reject_unknown_keys() const {
    for (auto&& [key, value] : m_table) {
      if (m_seen.count(std::string(key.str())) == 0) {
        fail(key.source().begin.line > 0 ? key.source() : value.source(), key_name(std::string(key.str())),
             "unknown key");
      }
    }
  }

 private:
  const toml::table& m_table;
  std::string m_path;
  const std::string& m_file;
  std::set<std::string> m_seen;
};

void read_lab(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::table* table = root.table("lab");
  if (table == nullptr) root.fail(toml::source_region{{1, 1}, {1, 1}, {}}, "lab", "missing [lab] table");
  TableReader reader(*table, "lab", file);
  lab.name = reader.required_string("name");
  lab.title = reader.string("title").value_or(lab.name);
  lab.suite = reader.required_string("suite");
  if (auto reference = reader.string("reference")) {
    lab.reference_dir = fs::absolute(lab.dir() / *reference).lexically_normal();
  } else {
    lab.reference_dir = fs::absolute(lab.dir() / ".." / ".." / "reference" / lab.name).lexically_normal();
  }
  std::string folder = lab.dir().filename().string();
  if (lab.name != folder) {
    reader.fail(reader.node("name")->source(), "lab.name",
                fmt::format("\"{}\" does not match its folder \"{}\"", lab.name, folder));
  }
  reader.reject_unknown_keys();
}

void read_build(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::table* table = root.table("build");
  if (table == nullptr) return;
  TableReader reader(*table, "build", file);
  if (auto compiler = reader.string("compiler")) lab.compiler = *compiler;
  if (auto flags = reader.strings("flags")) lab.flags = *flags;
  if (auto libs = reader.strings("libs")) lab.libs = *libs;
  if (const toml::node* variants = reader.node("variants")) {
    if (!variants->is_array_of_tables()) {
      reader.fail(variants->source(), "build.variants", "expected an array of tables");
    }
    lab.variants.clear();
    std::size_t index = 0;
    for (const toml::node& item : *variants->as_array()) {
      TableReader variant(*item.as_table(), fmt::format("build.variants[{}]", index++), file);
      BuildVariant v{variant.required_string("name"), variant.strings("flags").value_or(std::vector<std::string>{})};
      if (lab.variant(v.name) != nullptr) {
        variant.fail(item.source(), variant.key_name("name"), "duplicate variant \"" + v.name + "\"");
      }
      variant.reject_unknown_keys();
      lab.variants.push_back(std::move(v));
    }
    if (lab.variants.empty()) reader.fail(variants->source(), "build.variants", "needs at least one variant");
  }
  if (const toml::array* steps = reader.array_of_tables("generate")) {
    std::size_t index = 0;
    for (const toml::node& item : *steps) {
      TableReader step(*item.as_table(), fmt::format("build.generate[{}]", index++), file);
      GeneratorStep g;
      g.line = static_cast<long>(item.source().begin.line);
      g.command = step.strings("command").value_or(std::vector<std::string>{});
      if (g.command.empty() || g.command[0].empty()) {
        step.fail(item.source(), step.key_name("command"), "missing: the tool and its arguments, e.g. [\"rpcgen\", \"-h\", \"-o\", \"calc.h\", \"calc.x\"]");
      }
      g.outputs = step.strings("outputs").value_or(std::vector<std::string>{});
      if (g.outputs.empty()) step.fail(item.source(), step.key_name("outputs"), "missing: the files the command writes");
      for (const auto& name : g.outputs) {
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
          step.fail(step.node("outputs")->source(), step.key_name("outputs"), "\"" + name + "\" is not a plain file name");
        }
        if (lab.generated(name)) {
          step.fail(step.node("outputs")->source(), step.key_name("outputs"), "\"" + name + "\" is written by an earlier step too");
        }
      }
      step.reject_unknown_keys();
      lab.generators.push_back(std::move(g));
    }
  }
  reader.reject_unknown_keys();
}

void read_programs(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::table* table = root.table("programs");
  if (table == nullptr || table->empty()) {
    root.fail(table ? table->source() : toml::source_region{{1, 1}, {1, 1}, {}}, "programs",
              "missing: a lab needs at least one [programs.NAME] table");
  }
  for (auto&& [key, value] : *table) {
    std::string name(key.str());
    if (!value.is_table()) root.fail(value.source(), "programs." + name, "expected a table");
    TableReader program(*value.as_table(), "programs." + name, file);
    auto sources = program.strings("sources");
    if (!sources || sources->empty()) {
      program.fail(value.source(), program.key_name("sources"), "missing: list the program's .c files");
    }
    program.reject_unknown_keys();
    lab.programs.push_back({name, *sources});
  }
}

void read_limits(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::table* table = root.table("limits");
  if (table == nullptr) return;
  TableReader reader(*table, "limits", file);
  Limits& l = lab.limits;
  l.time_limit = reader.number("time_limit", 0.01).value_or(l.time_limit);
  l.cpu_seconds = reader.integer("cpu_seconds", 1).value_or(l.cpu_seconds);
  l.memory_mb = reader.integer("memory_mb", 16).value_or(l.memory_mb);
  l.file_size_mb = reader.integer("file_size_mb", 1).value_or(l.file_size_mb);
  l.shm_mb = reader.integer("shm_mb", 1).value_or(l.shm_mb);
  l.workdir_mb = reader.integer("workdir_mb", 1).value_or(l.workdir_mb);
  l.open_files = reader.integer("open_files", 8).value_or(l.open_files);
  l.processes = reader.integer("processes", 1).value_or(l.processes);
  l.world_memory_mb = reader.integer("world_memory_mb", 16).value_or(l.world_memory_mb);
  l.output_kb = reader.integer("output_kb", 1).value_or(l.output_kb);
  reader.reject_unknown_keys();
}

void read_world(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::table* table = root.table("world");
  if (table == nullptr) return;
  TableReader reader(*table, "world", file);
  lab.shm_names = reader.strings("shm_names").value_or(std::vector<std::string>{});
  lab.mq_names = reader.strings("mq_names").value_or(std::vector<std::string>{});
  lab.world_files = reader.strings("files").value_or(std::vector<std::string>{});
  lab.spinning_is_waiting = reader.boolean("spinning_is_waiting").value_or(false);
  const std::optional<bool> loopback = reader.boolean("loopback");
  lab.rpcbind = reader.boolean("rpcbind").value_or(false);
  if (lab.rpcbind && loopback == false) {
    reader.fail(reader.node("loopback")->source(), "world.loopback", "rpcbind = true needs the world's loopback: remove loopback = false");
  }
  lab.loopback = loopback.value_or(false) || lab.rpcbind;
  for (const auto& name : lab.world_files) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      reader.fail(reader.node("files")->source(), "world.files", "\"" + name + "\" is not a plain file name");
    }
  }
  reader.reject_unknown_keys();
}

void read_clock(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::table* table = root.table("clock");
  if (table == nullptr) return;
  TableReader reader(*table, "clock", file);
  lab.clock_control = reader.boolean("control").value_or(false);
  lab.clock_scale = reader.number("scale", 0.0).value_or(lab.clock_scale);
  reader.reject_unknown_keys();
}

void read_checks(TableReader& root, LabSpec& lab, const std::string& file) {
  const toml::array* checks = root.array_of_tables("checks");
  if (checks == nullptr || checks->empty()) {
    root.fail(toml::source_region{{1, 1}, {1, 1}, {}}, "checks", "missing: a lab needs [[checks]]");
  }
  std::size_t index = 0;
  for (const toml::node& item : *checks) {
    TableReader reader(*item.as_table(), fmt::format("checks[{}]", index++), file);
    CheckSpec check;
    check.line = static_cast<long>(item.source().begin.line);
    check.test = reader.required_string("test");
    check.title = reader.required_string("title");
    check.points = reader.number("points", 0.0).value_or(check.points);
    check.visibility = reader.string("visibility").value_or(check.visibility);
    static const std::set<std::string> k_visibilities = {"visible", "hidden", "after_due_date", "after_published"};
    if (k_visibilities.count(check.visibility) == 0) {
      reader.fail(reader.node("visibility")->source(), reader.key_name("visibility"),
                  "expected visible, hidden, after_due_date or after_published");
    }
    check.tags = reader.strings("tags").value_or(std::vector<std::string>{});
    check.hint = reader.string("hint").value_or("");
    check.timeout = reader.number("timeout", 0.1).value_or(check.timeout);
    check.needs = reader.strings("needs").value_or(std::vector<std::string>{});
    for (const auto& need : check.needs) {
      if (lab.check(need) == nullptr) {
        reader.fail(reader.node("needs")->source(), reader.key_name("needs"),
                    fmt::format("no check \"{}\" above this one (a check needs checks listed before it)", need));
      }
    }
    if (lab.check(check.test) != nullptr) {
      reader.fail(reader.node("test")->source(), reader.key_name("test"),
                  "duplicate check \"" + check.test + "\"");
    }
    reader.reject_unknown_keys();
    lab.checks.push_back(std::move(check));
  }
}

}  // namespace

const ProgramSpec* LabSpec::program(const std::string& wanted) const {
  auto it = std::find_if(programs.begin(), programs.end(), [&](const auto& p) { return p.name == wanted; });
  return it == programs.end() ? nullptr : &*it;
}

bool LabSpec::generated(const std::string& file) const {
  const std::string name = fs::path(file).filename().string();
  return std::any_of(generators.begin(), generators.end(), [&](const GeneratorStep& g) {
    return std::find(g.outputs.begin(), g.outputs.end(), name) != g.outputs.end();
  });
}

const CheckSpec* LabSpec::check(const std::string& test) const {
  auto it = std::find_if(checks.begin(), checks.end(), [&](const auto& c) { return c.test == test; });
  return it == checks.end() ? nullptr : &*it;
}

const BuildVariant* LabSpec::variant(const std::string& wanted) const {
  auto it = std::find_if(variants.begin(), variants.end(), [&](const auto& v) { return v.name == wanted; });
  return it == variants.end() ? nullptr : &*it;
}

double LabSpec::max_score() const {
  double total = 0;
  for (const auto& c : checks) total += c.points;
  return total;
}

LabSpec load_lab_spec(const fs::path& lab_toml) {
  LabSpec lab;
  lab.file = fs::absolute(lab_toml).lexically_normal();
  const std::string file = lab_toml.string();
  if (!fs::is_regular_file(lab_toml)) throw UsageError(file + ": no such lab definition");
  toml::table root_table;
  try {
    root_table = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    throw LabSpecError(file, static_cast<long>(e.source().begin.line),
                       static_cast<long>(e.source().begin.column), "", std::string(e.description()));
  }
  TableReader root(root_table, "", file);
  read_lab(root, lab, file);
  read_build(root, lab, file);
  read_programs(root, lab, file);
  read_limits(root, lab, file);
  read_world(root, lab, file);
  read_clock(root, lab, file);
  read_checks(root, lab, file);
  root.reject_unknown_keys();
  return lab;
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  auto plain = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c != '-' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  };
  auto distance = [](const std::string& a, const std::string& b) {  // Levenshtein, one row
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = distance(plain(name), plain(candidate));
    if (d < best_distance) best = candidate, best_distance = d;
  }
  return best;
}

LabSpec find_lab(const fs::path& labs_dir, const std::string& name) {
  fs::path file = labs_dir / name / "lab.toml";
  if (!fs::is_regular_file(file)) {
    std::vector<std::string> names;
    std::error_code ec;
    if (fs::is_directory(labs_dir, ec)) {
      for (const auto& lab : lab_files(labs_dir)) names.push_back(lab.parent_path().filename().string());
    }
    const std::string guess = did_you_mean(name, names);
    throw UsageError(fmt::format("unknown lab \"{}\"{}: no {} (see `labgrade list`)", name,
                                 guess.empty() ? "" : fmt::format(" (did you mean {}?)", guess), file.string()));
  }
  return load_lab_spec(file);
}

std::vector<fs::path> lab_files(const fs::path& labs_dir) {
  if (!fs::is_directory(labs_dir)) throw UsageError(labs_dir.string() + ": labs directory not found");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(labs_dir)) {
    if (fs::is_regular_file(entry.path() / "lab.toml")) files.push_back(entry.path() / "lab.toml");
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<LabSpec> list_labs(const fs::path& labs_dir) {
  std::vector<LabSpec> labs;
  for (const auto& f : lab_files(labs_dir)) labs.push_back(load_lab_spec(f));
  return labs;
}

}  // namespace labgrade
