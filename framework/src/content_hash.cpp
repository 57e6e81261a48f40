#include "labgrade/content_hash.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace labgrade {

namespace fs = std::filesystem;

void ContentHash::add(std::string_view bytes) {
  for (unsigned char c : bytes) {
    value ^= c;
    value *= 1099511628211ULL;
  }
  value ^= 0xff;
  value *= 1099511628211ULL;
}

void ContentHash::add_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  add(bytes.str());
}

void ContentHash::add_identity(const fs::path& file) {
  struct stat st {};
  add(::stat(file.c_str(), &st) == 0 ? fmt::format("{}:{}:{}", file.string(), st.st_size, st.st_mtime) : file.string());
}

void ContentHash::add_tree(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    add(fs::relative(f, dir).string());
    add_file(f);
  }
}

std::string ContentHash::hex() const { return fmt::format("{:016x}", value); }

std::string format_points(double value) { return fmt::format("{:g}", std::round(value * 100) / 100); }

}  // namespace labgrade
