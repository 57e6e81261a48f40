// The builds as they finish, from the grader to its check runners: the
// grader appends one JSON line per build to a file, then an end line; a
// check asks for the program it runs and waits for that one only, so checks
// start while other programs still compile.
//
//   BuildFeedWriter feed(scratch / "builds.jsonl");        // the grader
//   feed.add(Whose::student, build);  ...  feed.end();
//
//   BuildFeed builds(scratch / "builds.jsonl");             // a runner
//   const BuildResult& b = builds.get(Whose::student, "shm_consumer", "default");
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "labgrade/appended_lines.hpp"
#include "labgrade/builder.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

enum class Whose { student, reference };

class BuildFeedWriter {
 public:
  /// Creates the file (it must not exist).
  explicit BuildFeedWriter(const std::filesystem::path& file);
  void add(Whose whose, const BuildResult& build);
  void add(Whose whose, const Builds& builds);
  /// No more builds: a runner asking for one not written gets Builds::get's error.
  void end();

 private:
  void write_line(const std::string& line);
  UniqueFd m_fd;
  std::string m_path;
};

class BuildFeed {
 public:
  explicit BuildFeed(std::filesystem::path file);
  /// The build, once the grader has written it (waiting until then). Throws
  /// GraderError when the feed ended without it, as Builds::get does.
  const BuildResult& get(Whose whose, const std::string& program, const std::string& variant);
  /// Every build written so far, without waiting.
  const Builds& written(Whose whose);

 private:
  void read_new();
  AppendedLines m_lines;
  bool m_ended = false;
  Builds m_student, m_reference;
};

}  // namespace labgrade
