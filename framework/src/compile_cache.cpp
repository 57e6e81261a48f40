#include "labgrade/compile_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "labgrade/cache_folder.hpp"
#include "labgrade/content_hash.hpp"
#include "labgrade/temp_dir.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// In a folder no one else can write (cache_folder): every entry there is one we made.
fs::path entry(const fs::path& cache_dir, const std::string& key) { return cache_folder(cache_dir, "compiled") / key; }

}  // namespace

std::string compile_key(const fs::path& staged, const std::vector<std::string>& argv, const std::string& compiler) {
  ContentHash h;
  h.add(LABGRADE_VERSION);
  h.add_identity(compiler);
  for (const auto& word : argv) h.add(word);
  h.add_tree(staged);
  return h.hex();
}

std::optional<std::string> fetch_compiled(const fs::path& cache_dir, const std::string& key, const fs::path& executable) {
  const fs::path dir = entry(cache_dir, key);
  std::error_code ec;
  if (!fs::is_regular_file(dir / "program", ec) || !fs::is_regular_file(dir / "diagnostics", ec)) return std::nullopt;
  std::ifstream in(dir / "diagnostics", std::ios::binary);
  std::stringstream said;
  said << in.rdbuf();
  fs::create_directories(executable.parent_path(), ec);
  if (!fs::copy_file(dir / "program", executable, fs::copy_options::overwrite_existing, ec) || ec) return std::nullopt;
  return said.str();
}

void store_compiled(const fs::path& cache_dir, const std::string& key, const fs::path& executable,
                    const std::string& diagnostics) noexcept {
  try {
    const fs::path dir = entry(cache_dir, key);
    if (fs::is_directory(dir)) return;
    // Made beside the entry, then renamed: a concurrent build never sees half of one.
    TempDir staging(".storing-", dir.parent_path());
    fs::copy_file(executable, staging.path() / "program");
    std::ofstream(staging.path() / "diagnostics", std::ios::binary) << diagnostics;
    // Writable by us alone, whatever the umask. The program is run by the
    // world's user: readable and executable by all (0755).
    fs::permissions(staging.path() / "program",
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                        fs::perms::others_exec,
                    fs::perm_options::replace);
    fs::permissions(staging.path() / "diagnostics", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    std::error_code ec;
    fs::rename(staging.path(), dir, ec);
  } catch (const std::exception&) {
    // not kept: compiled again next time
  }
}

}  // namespace labgrade
