#include "labgrade/grader_build.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "labgrade/cache_folder.hpp"
#include "labgrade/content_hash.hpp"
#include "labgrade/error.hpp"
#include "labgrade/host_command.hpp"
#include "labgrade/temp_dir.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

constexpr double k_compile_time_limit = 300.0;
constexpr const char* k_compiler = "/usr/bin/g++";

// The runner's main: the framework's check runner, and the list of a suite's tests.
constexpr const char* k_runner_main = R"(// labgrade: the check runner of a course's lab
#include <cstdio>
#include <string>
#include "labgrade/grading.hpp"
int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "__run-checks") return labgrade::run_checks_main(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "__list-checks") {
    for (const auto& test : labgrade::registered_checks(argv[2])) std::printf("%s\n", test.c_str());
    return 0;
  }
  std::fprintf(stderr, "a check runner of labgrade: run it through labgrade\n");
  return 2;
}
)";

const std::vector<std::string>& link_libraries() {
  static const std::vector<std::string> libs = {"-lgtest", "-lseccomp", "-larchive", "-pthread"};
  return libs;
}

std::vector<fs::path> sources_of(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && (e.path().extension() == ".cpp" || e.path().extension() == ".hpp")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// g++'s first error as the instructor's mistake, with its position.
[[noreturn]] void throw_compile_error(const LabSpec& lab, const std::string& diagnostics) {
  static const std::regex error(R"(^([^:\n]+):(\d+):(\d+): (?:fatal )?error: (.*)$)");
  std::istringstream lines(diagnostics);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, error)) {
      throw LabSpecError(m[1].str(), std::stol(m[2].str()), std::stol(m[3].str()), "checks",
                         "does not compile: " + m[4].str());
    }
  }
  throw LabSpecError(graders_dir(lab).string(), 1, 1, "checks",
                     "the lab's checks do not build: " + diagnostics.substr(0, 600));
}

std::vector<std::string> list_tests(const fs::path& runner, const std::string& suite) {
  HostCommand command;
  command.argv = {runner.string(), "__list-checks", suite};
  command.time_limit = 30.0;
  const HostCommandResult listed = run_on_host(command);
  if (!listed.exited_with(0))
    throw GraderError(fmt::format("the check runner {} {}: {}", runner.string(), listed.describe(), listed.err.bytes));
  std::vector<std::string> tests;
  std::istringstream lines(listed.out.bytes);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) tests.push_back(line);
  }
  return tests;
}

FrameworkFiles& framework_setting() {
  static FrameworkFiles files;
  return files;
}

// Compiles every check of the suite through a macro named after the test:
// kept ones as GoogleTest's own, left-out ones as an unused inline member of
// a class never made, which the compiler never emits (no code, no strings).
std::string kit_filter_header(const LabSpec& lab, const std::vector<std::string>& left_out) {
  std::string out = fmt::format(R"(// labgrade kit of {}: the checks students do not see are compiled to nothing.
#include <gtest/gtest.h>
#undef TEST_F
#undef TEST
#define TEST_F(fixture, name) LABGRADE_KIT_##name(GTEST_TEST_F, fixture, name)
#define TEST(suite, name) LABGRADE_KIT_##name(GTEST_TEST, suite, name)
#define LABGRADE_KIT_KEEP(how, suite, name) how(suite, name)
#define LABGRADE_KIT_LEAVE_OUT(how, suite, name) LABGRADE_KIT_LEAVE_OUT_##how(suite, name)
#define LABGRADE_KIT_LEAVE_OUT_AS(base, name) \
  namespace {{ struct labgrade_kit_left_out_##name : base {{ void left_out(); }}; }} \
  inline void labgrade_kit_left_out_##name::left_out()
#define LABGRADE_KIT_LEAVE_OUT_GTEST_TEST_F(fixture, name) LABGRADE_KIT_LEAVE_OUT_AS(fixture, name)
#define LABGRADE_KIT_LEAVE_OUT_GTEST_TEST(suite, name) LABGRADE_KIT_LEAVE_OUT_AS(::testing::Test, name)
)",
                                lab.name);
  for (const auto& check : lab.checks) {
    const bool leave = std::find(left_out.begin(), left_out.end(), check.test) != left_out.end();
    out += fmt::format("#define LABGRADE_KIT_{}(how, suite, name) LABGRADE_KIT_{}(how, suite, name)\n", check.test,
                       leave ? "LEAVE_OUT" : "KEEP");
  }
  return out;
}

// g++ over the lab's checks into `output`: `head` before the sources (extra
// sources, options), `tail` after them (libraries). A compile error is the
// instructor's, named by file and line.
void compile_lab_checks(const LabSpec& lab, const std::vector<fs::path>& sources, const fs::path& output,
                        const std::vector<std::string>& head, const std::vector<std::string>& tail) {
  HostCommand gxx;
  gxx.argv = {k_compiler, "-std=c++20", "-O1", "-DFMT_HEADER_ONLY=1"};
  gxx.argv.insert(gxx.argv.end(), head.begin(), head.end());
  gxx.argv.insert(gxx.argv.end(), {"-I" + framework_files().include_dir.string(), "-I" + graders_dir(lab).string(),
                                    "-o", output.string()});
  for (const auto& s : sources) {
    if (s.extension() == ".cpp") gxx.argv.push_back(s.string());
  }
  gxx.argv.insert(gxx.argv.end(), tail.begin(), tail.end());
  gxx.time_limit = k_compile_time_limit;
  gxx.output_cap = 256 * 1024;
  const HostCommandResult compiled = run_on_host(gxx);
  if (!compiled.exited_with(0)) throw_compile_error(lab, compiled.err.bytes + compiled.out.bytes);
}

}  // namespace

bool FrameworkFiles::usable() const {
  return fs::is_regular_file(include_dir / "labgrade" / "check.hpp") && fs::is_regular_file(library);
}

void use_framework(const FrameworkFiles& files) { framework_setting() = files; }
const FrameworkFiles& framework_files() { return framework_setting(); }

fs::path graders_dir(const LabSpec& lab) {
  return (lab.dir().parent_path().parent_path() / "graders" / lab.name).lexically_normal();
}

ExternalChecks compile_checks(const LabSpec& lab, const fs::path& cache_dir) {
  const fs::path dir = graders_dir(lab);
  const std::vector<fs::path> sources = sources_of(dir);
  if (sources.empty()) {
    throw LabSpecError(lab.file.string(), 1, 1, "lab.suite",
                       fmt::format("no grader suite \"{}\" is compiled into this labgrade, and {} holds no checks (.cpp)",
                                   lab.suite, dir.string()));
  }
  const FrameworkFiles& framework = framework_files();
  if (!framework.usable()) {
    throw UsageError(fmt::format("{}'s checks ({}) are compiled against labgrade's framework, which is not installed "
                                 "here (no {}): install the package labgrade-dev",
                                 lab.name, dir.string(), (framework.include_dir / "labgrade" / "check.hpp").string()));
  }
  ContentHash h;
  h.add(LABGRADE_VERSION);
  h.add_identity(framework.library);
  h.add_identity(k_compiler);
  h.add(k_runner_main);
  for (const auto& s : sources) {
    h.add(s.filename().string());
    h.add_file(s);
  }
  const fs::path lab_cache = cache_folder(cache_dir, fs::path("checks") / lab.name);
  const fs::path final_dir = lab_cache / h.hex();
  const fs::path runner = final_dir / "check-runner";
  ExternalChecks out;
  if (!fs::is_regular_file(runner)) {
    const auto start = std::chrono::steady_clock::now();
    TempDir staging(".building-", lab_cache);
    std::ofstream(staging.path() / "runner_main.cpp") << k_runner_main;
    std::vector<std::string> libraries = {framework.library.string()};
    libraries.insert(libraries.end(), link_libraries().begin(), link_libraries().end());
    compile_lab_checks(lab, sources, staging.path() / "check-runner", {(staging.path() / "runner_main.cpp").string()},
                       libraries);
    std::error_code ec;
    fs::rename(staging.path(), final_dir, ec);
    if (ec && !fs::is_regular_file(runner))
      throw GraderError(fmt::format("cannot store the lab's checks in {}: {}", final_dir.string(), ec.message()));
    out.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  out.runner = {runner.string(), "__run-checks"};
  out.tests = list_tests(runner, lab.suite);
  return out;
}

void link_kit_program(const LabSpec& lab, const std::vector<std::string>& left_out, const fs::path& program) {
  const fs::path dir = graders_dir(lab);
  const std::vector<fs::path> sources = sources_of(dir);
  if (sources.empty()) {
    throw LabSpecError(lab.file.string(), 1, 1, "lab.suite",
                       fmt::format("a kit holds the lab's checks, and {} holds none (.cpp)", dir.string()));
  }
  const FrameworkFiles& framework = framework_files();
  if (!framework.usable() || !fs::is_regular_file(framework.student_library)) {
    throw UsageError(fmt::format("a kit's program is linked from labgrade's framework, which is not installed here "
                                 "(no {}): install the package labgrade-dev",
                                 framework.student_library.string()));
  }
  TempDir scratch("labgrade-kit-program-");
  const fs::path filter = scratch.path() / "labgrade_kit_filter.hpp";
  std::ofstream(filter) << kit_filter_header(lab, left_out);
  // Statically but for glibc (libstdc++, libgcc, GoogleTest, libseccomp), and stripped.
  compile_lab_checks(lab, sources, program, {"-include", filter.string()},
                     {framework.student_library.string(), framework.library.string(), "-static-libstdc++",
                      "-static-libgcc", "-Wl,-Bstatic", "-lgtest", "-lseccomp", "-Wl,-Bdynamic", "-pthread", "-s"});
}

}  // namespace labgrade
