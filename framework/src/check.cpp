#include "labgrade/check.hpp"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/stat.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>
#include <cstring>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/worlds_ahead.hpp"
#include "check_internal.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace detail {

constexpr std::size_t k_output_excerpt = 300;

std::string excerpt(const std::string& text) {
  std::string q = c_literal(text, k_output_excerpt);
  return text.empty() ? "nothing" : q;
}

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

// Trailing blanks never decide a check: "1 2 3 4 5 " is the line "1 2 3 4 5".
bool has_line(const std::string& text, const std::string& line) {
  std::stringstream in(text);
  std::string l;
  const std::string wanted = trim_right(line);
  while (std::getline(in, l)) {
    if (trim_right(l) == wanted) return true;
  }
  return false;
}

}  // namespace detail

using namespace detail;

std::string c_literal(const std::string& bytes, std::size_t max) {
  std::string out = "\"";
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c >= 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += "\"";
  if (bytes.size() > max) out += fmt::format(" (and {} more bytes)", bytes.size() - max);
  return out;
}

std::optional<Failure>& current_failure() {
  static std::optional<Failure> failure;
  return failure;
}

void fail_check(Failure failure) {
  if (!current_failure() && !failure.skipped) {
    ReplayJournal::current().note(fmt::format("found the check failed here: expected {}; got {}", failure.expected, failure.got));
  }
  if (!current_failure()) current_failure() = std::move(failure);
  throw CheckFailed();
}

void skip_check(std::string reason, std::string blocked_by) {
  Failure skipped;
  skipped.got = std::move(reason);
  skipped.skipped = true;
  skipped.blocked_by = std::move(blocked_by);
  fail_check(std::move(skipped));
}

GradingContext*& GradingContext::current() {
  static GradingContext* context = nullptr;
  return context;
}

const BuildResult& GradingContext::build(Whose whose, const std::string& program, const std::string& variant) {
  const auto asked = std::chrono::steady_clock::now();
  const BuildResult& result = builds.get(whose, program, variant);
  const auto waited = std::chrono::steady_clock::now() - asked;
  waited_for_builds += waited;
  if (deadline != std::chrono::steady_clock::time_point::max()) deadline += waited;
  return result;
}

GradingContext& detail::context() {
  GradingContext* c = GradingContext::current();
  if (c == nullptr) throw GraderError("a check ran without a grading context (run it through labgrade)");
  return *c;
}

namespace {

std::string title_of(const std::string& test) {
  const CheckSpec* spec = context().lab.check(test);
  return spec != nullptr ? spec->title : test;
}

// A program of the student's that does not compile: the check fails showing
// the compiler's errors. The grader keeps them under the first check (in
// lab.toml's order) that met the program, and skips the later ones, pointing
// there (`always_shown`: never skipped), whichever runner ran them first.
[[noreturn]] void fail_not_built(const BuildResult& build, const std::string& who, const std::string& hint,
                                 bool always_shown = false) {
  Failure failure{fmt::format("{} to compile", who), build.summary, build.hint.empty() ? hint : build.hint, false};
  failure.not_built = build.program + "/" + build.variant;
  if (!always_shown) failure.not_built_skip = fmt::format("{} was not built", who);
  fail_check(std::move(failure));
}

}  // namespace

std::string Program::who() const {
  switch (m_role) {
    case Role::student: return "your " + m_name;
    case Role::peer:
    case Role::reference: return "the reference " + m_name;
  }
  return m_name;
}

// ---- Verdict -------------------------------------------------------------

Verdict::Verdict(std::optional<Failure> failure)
    : m_failure(std::move(failure)), m_fresh(m_failure.has_value()), m_uncaught(std::uncaught_exceptions()) {}

Verdict::~Verdict() noexcept(false) {
  if (m_failure && std::uncaught_exceptions() == m_uncaught) fail_check(std::move(*m_failure));
}

Verdict& Verdict::hint(const std::string& text) {
  if (m_failure && m_fresh && !m_failure->grader_error) m_failure->hint = text;
  return *this;
}

RunVerdict& RunVerdict::exits(int status) { also([&] { return m_run.check_exits(status); }); return *this; }
RunVerdict& RunVerdict::fails() { also([&] { return m_run.check_fails(); }); return *this; }
RunVerdict& RunVerdict::within(std::chrono::duration<double> limit) {
  also([&] { return m_run.check_within(limit); });
  return *this;
}
RunVerdict& RunVerdict::stdout_has_line(const std::string& line) {
  also([&] { return m_run.check_stdout_line(line); });
  return *this;
}
RunVerdict& RunVerdict::stdout_has(const std::string& text) {
  also([&] { return m_run.check_stdout_has(text); });
  return *this;
}
RunVerdict& RunVerdict::stderr_not_empty() { also([&] { return m_run.check_stderr_not_empty(); }); return *this; }
RunVerdict& RunVerdict::stdout_is(const std::string& bytes) {
  also([&] { return m_run.check_stdout_is(bytes); });
  return *this;
}

RunVerdict& RunVerdict::called(const std::string& function) {
  also([&] { return m_run.check_called(function); });
  return *this;
}

// ---- CheckWorld ----------------------------------------------------------

Run CheckWorld::run(Program program) {
  GradingContext& ctx = context();
  const bool is_student = program.role() == Role::student;
  const BuildResult& build = ctx.build(is_student ? Whose::student : Whose::reference, program.name(), program.m_variant);
  if (!build.ok) fail_not_built(build, program.who(), "fix the compile errors first: every check that runs this program needs it");
  SpawnOptions options;
  options.argv = {build.executable.string()};
  options.argv.insert(options.argv.end(), program.m_args.begin(), program.m_args.end());
  options.stdin_file = program.m_stdin;  // shared: the Run keeps it too (stdout_is compares with it)
  options.interactive_stdin = program.m_interactive;
  options.stdout_to_file = program.m_stdout_to_file;
  const Limits& limits = ctx.lab.limits;
  options.time_limit = program.m_time_limit.value_or(limits.time_limit);
  const double left = std::chrono::duration<double>(ctx.deadline - std::chrono::steady_clock::now()).count();
  if (left <= 0) throw GraderError("the check ran past its deadline (lab.toml: timeout) before starting " + program.who());
  options.time_limit = std::min(options.time_limit, left);
  options.output_cap = program.m_output_cap.value_or(static_cast<std::size_t>(limits.output_kb) * 1024);
  options.limits.cpu_seconds = limits.cpu_seconds;
  options.limits.address_space_mb = limits.memory_mb;
  options.limits.file_size_mb = limits.file_size_mb;
  options.limits.open_files = limits.open_files;
  // RLIMIT_NPROC only where no cgroup counts the world's processes: it counts
  // every process of the uid on the machine, and root ignores it.
  if (!m_world->cgroup()) options.limits.processes = limits.processes;
  std::shared_ptr<ClockChannel> clock;
  UniqueFd program_end;
  if (ctx.lab.clock_control) {
    std::tie(clock, program_end) = ClockChannel::create();
    options.pass_fds = {{program_end.get(), ClockChannel::k_program_fd}};
    options.env = {ClockChannel::env_fd(), ClockChannel::env_scale(ctx.lab.clock_scale)};
  }
  if (std::find(m_programs_run.begin(), m_programs_run.end(), program.who()) == m_programs_run.end())
    m_programs_run.push_back(program.who());
  // For a replay by hand (--keep): what it was given, as it was given.
  const ReplayRun replay{0, 0, is_student ? "student" : program.role() == Role::peer ? "peer" : "reference",
                         program.name(), program.m_variant, program.m_args, false, program.m_interactive,
                         options.time_limit};
  const std::optional<InputFile> input = options.stdin_file;
  const auto spawned = std::chrono::steady_clock::now();
  auto process = m_world->spawn(std::move(options));
  if (m_ahead != nullptr) m_ahead->next();  // the next check's world, while this one's programs run
  ReplayJournal::current().started(process, *m_world, replay, input, spawned);
  if (is_student) m_student_processes.emplace_back(program.who(), process);
  return Run(std::move(program), process, std::move(clock), process->pid_inside(), m_world->limits_probe());
}

CheckWorld::~CheckWorld() {
  if (!m_world) return;  // moved from
  ReplayJournal::current().world_ended(*m_world);
  if (m_ahead != nullptr) {
    try {
      m_ahead->end(std::move(m_world));  // ended now, torn down behind
    } catch (const std::exception&) {
      // Torn down here instead (the world went down with the call).
    }
  }
  for (const auto& [who, process] : m_student_processes) {
    std::string why = process->refused_signal();
    if (why.empty()) continue;
    current_failure() = Failure{fmt::format("{} to signal only its own processes (itself and the children it made)", who),
                                why + "; labgrade refused",
                                "send signals only to pids your program made (fork's return value) or to itself: "
                                "never kill(-1, ...), never your parent or another program's pid",
                                false};
    return;
  }
}

fs::path CheckWorld::shm_path(const std::string& name) const {
  std::string bare = name;
  while (!bare.empty() && bare.front() == '/') bare.erase(0, 1);
  return m_world->shm_dir() / bare;
}

std::string CheckWorld::shm_listing() const {
  std::vector<std::string> entries;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_world->shm_dir(), ec)) {
    if (!m_world->made_here(entry.path().filename().string())) continue;  // the host's own (isolation off)
    std::error_code size_ec;
    auto size = fs::file_size(entry.path(), size_ec);
    entries.push_back(fmt::format("{} ({} bytes)", entry.path().filename().string(), size_ec ? 0 : size));
  }
  if (ec) throw SyscallError("opendir", m_world->shm_dir().string(), ec.value());
  std::sort(entries.begin(), entries.end());
  if (entries.empty()) return "nothing";
  std::string out;
  for (const auto& e : entries) out += (out.empty() ? "" : ", ") + e;
  return out;
}

std::string CheckWorld::after_last_run() const {
  std::string names;
  for (std::size_t i = 0; i < m_programs_run.size(); ++i) {
    names += (i == 0 ? "" : i + 1 == m_programs_run.size() ? " and " : ", ") + m_programs_run[i];
  }
  return names.empty() ? "" : " after " + names + " ran";
}

Verdict CheckWorld::expect_shm_empty() {
  ReplayJournal::current().note("looked at /dev/shm, expecting it empty", "shm");
  std::string listing = shm_listing();
  if (listing == "nothing") return Verdict(std::nullopt);
  return Verdict(Failure{"/dev/shm to be empty" + after_last_run(), listing, "", false});
}

ShmVerdict CheckWorld::expect_shm_object(const std::string& name) {
  ReplayJournal::current().note("looked at /dev/shm/" + name, "shm", name);
  if (fs::exists(shm_path(name))) return ShmVerdict(*this, name, std::nullopt);
  return ShmVerdict(*this, name,
                    Failure{fmt::format("/dev/shm/{} to exist{}", name, after_last_run()),
                            "/dev/shm holds " + shm_listing(), "", false});
}

ShmVerdict& ShmVerdict::size(std::uintmax_t bytes) {
  also([&]() -> std::optional<Failure> {
    std::error_code ec;
    auto actual = fs::file_size(m_world.shm_path(m_name), ec);
    if (!ec && actual == bytes) return std::nullopt;
    return Failure{fmt::format("/dev/shm/{} to be {} bytes", m_name, bytes),
                   ec ? "it is gone" : fmt::format("{} bytes", actual), "", false};
  });
  return *this;
}

ShmVerdict& ShmVerdict::owner_can_read_write() {
  also([&]() -> std::optional<Failure> {
    struct stat st {};
    if (::stat(m_world.shm_path(m_name).c_str(), &st) != 0) {
      return Failure{fmt::format("/dev/shm/{} to exist", m_name), "it is gone", "", false};
    }
    if ((st.st_mode & 0600) == 0600) return std::nullopt;
    return Failure{fmt::format("/dev/shm/{} to be readable and writable by its owner (mode 0600 at least)", m_name),
                   fmt::format("mode {:04o}", st.st_mode & 07777), "", false};
  });
  return *this;
}

ShmVerdict& ShmVerdict::starts_with(const std::string& bytes) {
  also([&]() -> std::optional<Failure> {
    std::ifstream in(m_world.shm_path(m_name), std::ios::binary);
    std::string head(bytes.size(), '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    if (head == bytes) return std::nullopt;
    return Failure{fmt::format("/dev/shm/{} to start with {}", m_name, c_literal(bytes)),
                   fmt::format("it starts with {}", c_literal(head)), "", false};
  });
  return *this;
}

std::optional<std::string> CheckWorld::read_shm(const std::string& name) const {
  ReplayJournal::current().note("read what /dev/shm/" + name + " holds", "shm", name);
  std::ifstream in(shm_path(name), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool CheckWorld::wait_until(const std::function<bool()>& condition, std::chrono::duration<double> timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// ---- LabCheck ------------------------------------------------------------

const LabSpec& LabCheck::lab() const { return context().lab; }

CheckWorld LabCheck::new_world() { return make_world(false); }

CheckWorld LabCheck::new_world_with_cores_to_itself() { return make_world(true); }

WorldOptions check_world_options(const GradingContext& ctx, bool cores_to_itself) {
  WorldOptions options;
  options.shm_mb = ctx.lab.limits.shm_mb;
  options.workdir_mb = ctx.lab.limits.workdir_mb;
  options.shm_names = ctx.lab.shm_names;
  options.mq_names = ctx.lab.mq_names;
  options.files = ctx.lab.world_files;
  options.scratch_parent = ctx.scratch;
  options.world_limits = CgroupLimits{ctx.lab.limits.world_memory_mb, ctx.lab.limits.processes};
  options.cores_to_itself = cores_to_itself;
  options.spinning_is_waiting = ctx.lab.spinning_is_waiting;
  // A pair that busy-waits for each other hands over only when both run:
  // never kept to one grading's share of the cores.
  if (cores_to_itself || ctx.lab.spinning_is_waiting) options.cores = ctx.all_cores;
  options.loopback = ctx.lab.loopback;
  options.rpcbind = ctx.lab.rpcbind;
  options.hidden = {ctx.lab.dir(), ctx.lab.reference_dir};
  return options;
}

CheckWorld LabCheck::make_world(bool cores_to_itself) {
  GradingContext& ctx = context();
  const WorldOptions options = check_world_options(ctx, cores_to_itself);
  if (ctx.lab.needs_namespaces() && detect_isolation() == Isolation::none) {
    throw GraderError("this lab's programs need a network of their own (a loopback in a network namespace), and "
                      "this machine gives labgrade no namespaces (" + isolation_fallback_reason() +
                      "): without one, 127.0.0.1 would be the machine's own; grade it where namespaces are allowed");
  }
  // Other runners' checks share the submission's cores; one that needs them waits for those to end.
  std::chrono::steady_clock::duration waited{};
  if (ctx.cores != nullptr) waited = cores_to_itself ? ctx.cores->own() : ctx.cores->share();
  auto world = ctx.worlds != nullptr ? ctx.worlds->take(options) : std::make_unique<World>(options);
  waited += world->waited();
  // A world may wait for the machine (isolation off: one at a time; or for
  // the cores): that wait is not the check's time.
  if (ctx.deadline != std::chrono::steady_clock::time_point::max()) ctx.deadline += waited;
  return CheckWorld(std::move(world), ctx.worlds);
}

void LabCheck::SetUp() {
  GradingContext& ctx = context();
  if (ctx.not_ours) GTEST_SKIP() << "another runner's check";
  const CheckSpec* spec = ctx.lab.check(ctx.current_test);
  if (spec == nullptr) return;
  for (const auto& need : spec->needs) {
    auto it = ctx.outcomes.find(need);
    if (it == ctx.outcomes.end() || it->second.passed) continue;  // passed, or not run (--only)
    const std::string why = it->second.root == need
                                ? fmt::format("it needs \"{}\", which failed: fix that first", it->second.title)
                                : fmt::format("it needs \"{}\", which waits for \"{}\": fix that first",
                                              it->second.title, title_of(it->second.root));
    skip_check(why, it->second.root);
  }
}

void LabCheck::expect_builds(const std::string& program, const std::string& variant) {
  const BuildResult& build = context().build(Whose::student, program, variant);
  if (build.ok) return;
  std::string what = variant == "default" ? program : fmt::format("{} ({})", program, variant);
  fail_not_built(build, what, "read the compiler's first error: it names the file and line", true);
}

void LabCheck::expect_rejects_bad_count(const std::string& program, const std::string& usage, const std::string& argument) {
  auto world = new_world();
  const std::string on_stderr = fmt::format("print the usage message on stderr: fprintf(stderr, \"{}\\n\", argv[0])", usage);
  world.run(student(program))
      .exits(2)
      .hint(fmt::format("run without {}, it must print a usage message on stderr and exit(2): test argc before you use argv[1]",
                        argument))
      .stderr_not_empty()
      .hint(on_stderr);
  world.run(student(program).args({"ten"}))
      .exits(2)
      .hint(fmt::format("run as `{} ten`, it must say {} is not a number (on stderr) and exit(2): atoi(\"ten\") is 0, "
                        "so use strtol(argv[1], &end, 10) and check that end != argv[1] and *end == '\\0'",
                        program, argument))
      .stderr_not_empty()
      .hint(on_stderr);
}

std::string LabCheck::nonce_hex(std::size_t digits) {
  static std::random_device device;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string out;
  for (std::size_t i = 0; i < digits; ++i) out += "0123456789abcdef"[hex(device)];
  return out;
}

}  // namespace labgrade
