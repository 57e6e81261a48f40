#include "labgrade/cache_folder.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// One folder of the chain: made (0755) if missing, else ours and a real folder; never writable by others.
void trust(const fs::path& dir, bool follow_link) {
  struct stat st {};
  int rc = follow_link ? ::stat(dir.c_str(), &st) : ::lstat(dir.c_str(), &st);
  if (rc != 0 && errno == ENOENT) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw SyscallError("mkdir", fmt::format("\"{}\", 0755", dir.string()), errno);
    rc = follow_link ? ::stat(dir.c_str(), &st) : ::lstat(dir.c_str(), &st);
  }
  if (rc != 0) throw SyscallError(follow_link ? "stat" : "lstat", "\"" + dir.string() + "\"", errno);
  const std::string why = !S_ISDIR(st.st_mode)       ? "is not a folder (a link?)"
                          : st.st_uid != ::geteuid() ? fmt::format("belongs to uid {}, not to you (uid {})", st.st_uid, ::geteuid())
                                                     : "";
  if (!why.empty()) {
    throw UsageError(fmt::format("labgrade's cache folder {} {}: a program there could have been put by someone else, "
                                 "and labgrade would run it; use a folder of your own (LABGRADE_CACHE_DIR)",
                                 dir.string(), why));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && ::chmod(dir.c_str(), st.st_mode & 0755) != 0)
    throw SyscallError("chmod", fmt::format("\"{}\", {:04o}", dir.string(), st.st_mode & 0755), errno);
}

}  // namespace

fs::path cache_folder(const fs::path& cache_dir, const fs::path& below) {
  if (cache_dir.has_parent_path()) fs::create_directories(cache_dir.parent_path());  // its parents: the user's to choose
  trust(cache_dir, true);
  fs::path dir = cache_dir;
  for (const auto& part : below) {
    dir /= part;
    trust(dir, false);
  }
  return dir;
}

}  // namespace labgrade
