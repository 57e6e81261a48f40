#include "labgrade/build_feed.hpp"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json build_to_json(Whose whose, const BuildResult& b) {
  return {{"whose", whose == Whose::student ? "student" : "reference"},
          {"program", b.program}, {"variant", b.variant}, {"ok", b.ok}, {"executable", b.executable.string()},
          {"summary", b.summary}, {"hint", b.hint}};
}

}  // namespace

BuildFeedWriter::BuildFeedWriter(const fs::path& file) : m_path(file.string()) {
  m_fd.reset(::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  if (!m_fd) throw SyscallError("open", fmt::format("\"{}\", O_CREAT | O_EXCL | O_APPEND", m_path), errno);
}

void BuildFeedWriter::write_line(const std::string& line) {
  const std::string text = line + '\n';
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(m_fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw SyscallError("write", fmt::format("\"{}\", {} bytes", m_path, text.size() - done), errno);
    done += static_cast<std::size_t>(n);
  }
}

void BuildFeedWriter::add(Whose whose, const BuildResult& build) {
  write_line(build_to_json(whose, build).dump(-1, ' ', false, json::error_handler_t::replace));
}

void BuildFeedWriter::add(Whose whose, const Builds& builds) {
  for (const auto& [key, build] : builds.all()) add(whose, build);
}

void BuildFeedWriter::end() { write_line(json{{"end", true}}.dump()); }

BuildFeed::BuildFeed(fs::path file) : m_lines(std::move(file)) {}

void BuildFeed::read_new() {
  for (const auto& line : m_lines.read_new()) {
    const json j = json::parse(line);
    if (j.contains("end")) {
      m_ended = true;
      continue;
    }
    BuildResult b;
    b.program = j.at("program").get<std::string>();
    b.variant = j.at("variant").get<std::string>();
    b.ok = j.at("ok").get<bool>();
    b.executable = j.at("executable").get<std::string>();
    b.summary = j.at("summary").get<std::string>();
    b.hint = j.at("hint").get<std::string>();
    (j.at("whose") == "student" ? m_student : m_reference).add(std::move(b));
  }
}

const Builds& BuildFeed::written(Whose whose) {
  read_new();
  return whose == Whose::student ? m_student : m_reference;
}

const BuildResult& BuildFeed::get(Whose whose, const std::string& program, const std::string& variant) {
  Builds& builds = whose == Whose::student ? m_student : m_reference;
  auto find = [&]() -> const BuildResult* {
    const auto& all = builds.all();
    auto it = all.find({program, variant});
    return it == all.end() ? nullptr : &it->second;
  };
  for (;;) {
    if (const BuildResult* b = find()) return *b;
    read_new();
    if (const BuildResult* b = find()) return *b;
    if (m_ended) return builds.get(program, variant);  // its error: no such program or variant
    // The compilers are at work: look again in a millisecond. (Not inotify:
    // closing an inotify descriptor waits for an SRCU grace period, 13 ms
    // here, at every runner's end.)
    ::poll(nullptr, 0, 1);
  }
}

}  // namespace labgrade
