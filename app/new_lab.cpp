#include "new_lab.hpp"

#include <cctype>
#include <fstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// "my-lab" -> "MyLab": the GoogleTest suite of its checks.
std::string suite_of(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

bool valid_name(const std::string& name) {
  if (name.empty() || !std::islower(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::islower(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

constexpr const char* k_program = R"(/* prog: prints a greeting and exits 0. Replace it with the lab's programs. */
#include <stdio.h>

int main(void) {
    puts("hello");
    return 0;
}
)";

constexpr const char* k_starter = R"(/* prog: print the line "hello", then exit with status 0. */
#include <stdio.h>

int main(void) {
    /* TODO */
    return 0;
}
)";

}  // namespace

std::vector<fs::path> write_new_lab(const fs::path& course, const std::string& name) {
  if (!valid_name(name))
    throw UsageError(fmt::format("\"{}\" is not a lab name: lowercase letters, digits and dashes, from a letter", name));
  const std::string suite = suite_of(name);
  const fs::path lab = course / "labs" / name;
  const std::vector<std::pair<fs::path, std::string>> files = {
      {lab / "lab.toml", fmt::format(R"(# {0}: made by `labgrade new-lab {0}`; see docs/writing-a-lab.md for every key.
[lab]
name = "{0}"
title = "{0}"
suite = "{1}"

[build]
flags = ["-std=gnu11", "-Wall", "-O2"]

[programs.prog]
sources = ["prog.c"]

[[checks]]
test = "Builds"
title = "the program builds"
hint = "read the compiler's first error: it names the file and line"

[[checks]]
test = "PrintsHello"
title = "it prints hello and exits 0"
hint = "puts(\"hello\") prints the line"
)", name, suite)},
      {lab / "README.md", fmt::format("# {0}\n\nWrite `prog.c`: it prints the line `hello` and exits with status 0.\n\n"
                                      "Check your work: `labgrade --course COURSE check --lab {0} .`\n", name)},
      {lab / "starter" / "prog.c", k_starter},
      {lab / "mutants" / "no-greeting" / "mutant.toml", R"(description = "prints nothing"
fails = ["PrintsHello"]

[[edit]]
file = "prog.c"
find = '''puts("hello");'''
replace = ""
)"},
      {lab / "mutants" / "syntax-error" / "mutant.toml", R"(description = "does not compile: a semicolon is missing"
fails = ["Builds", "PrintsHello"]

[[edit]]
file = "prog.c"
find = '''return 0;'''
replace = "return 0"
)"},
      {course / "reference" / name / "prog.c", k_program},
      {course / "graders" / name / "checks.cpp", fmt::format(R"(// The checks of {0}: one TEST_F a [[checks]] entry of lab.toml (see docs/writing-a-lab.md).
#include <labgrade/check.hpp>

namespace {{

class {1} : public labgrade::LabCheck {{}};

TEST_F({1}, Builds) {{ expect_builds("prog"); }}

TEST_F({1}, PrintsHello) {{
  auto world = new_world();
  world.run(student("prog")).exits(0).stdout_has_line("hello");
}}

}}  // namespace
)", name, suite)},
  };
  for (const auto& [path, text] : files) {
    if (fs::exists(path)) throw UsageError(fmt::format("{} exists already: new-lab writes a new lab only", path.string()));
  }
  std::vector<fs::path> written;
  for (const auto& [path, text] : files) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    written.push_back(path);
  }
  return written;
}

}  // namespace labgrade
