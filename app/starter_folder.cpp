#include "starter_folder.hpp"

#include <map>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

std::vector<fs::path> write_starter_folder(const LabSpec& lab, const fs::path& dir) {
  std::map<fs::path, fs::path> copies;  // to, from: a header of include/ is the one the grader uses, not starter/'s
  for (const char* folder : {"starter", "include"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(lab.dir() / folder, ec)) {
      if (entry.is_regular_file()) copies[dir / entry.path().filename()] = entry.path();
    }
  }
  if (fs::is_regular_file(lab.dir() / "README.md")) copies[dir / "README.md"] = lab.dir() / "README.md";
  if (copies.empty()) throw UsageError(fmt::format("lab {} has no starter files ({})", lab.name, (lab.dir() / "starter").string()));
  for (const auto& [to, from] : copies) {
    if (fs::exists(to)) throw UsageError(fmt::format("{} exists already: init never overwrites a file", to.string()));
  }
  fs::create_directories(dir);
  std::vector<fs::path> written;
  for (const auto& [to, from] : copies) {
    fs::copy_file(from, to);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    written.push_back(to);
  }
  return written;
}

}  // namespace labgrade
