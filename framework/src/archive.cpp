#include "labgrade/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "labgrade/error.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The entry's path as safe parts below the destination, or why it is not.
std::string safe_parts(const std::string& path, std::vector<std::string>& parts) {
  if (path.empty()) return "an entry with no name";
  if (path[0] == '/') return fmt::format("\"{}\" is an absolute path", path);
  for (const auto& part : fs::path(path)) {
    const std::string p = part.string();
    if (p == "..") return fmt::format("\"{}\" climbs out of the submission (..)", path);
    if (p.empty() || p == "." || p == "/") continue;
    parts.push_back(p);
  }
  return "";
}

// Makes the folders of `parts` below `root` (never through a link).
std::string make_folders(const fs::path& root, const std::vector<std::string>& parts, std::size_t count, fs::path& at) {
  at = root;
  for (std::size_t i = 0; i < count; ++i) {
    at /= parts[i];
    if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST) return fmt::format("mkdir {}: {}", at.string(), std::strerror(errno));
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return fmt::format("\"{}\" is not a folder", at.string());
  }
  return "";
}

// The submission inside: a single folder at the top (students zip their
// folder), minus the litter of archivers, is where the files are.
fs::path submission_root(const fs::path& unpacked) {
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(unpacked)) {
    const std::string name = e.path().filename().string();
    if (name == "__MACOSX" || name[0] == '.') continue;
    entries.push_back(e.path());
  }
  if (entries.size() == 1 && fs::is_directory(fs::symlink_status(entries[0]))) return entries[0];
  return unpacked;
}

}  // namespace

bool is_archive(const fs::path& file) {
  const std::string name = file.filename().string();
  return ends_with(name, ".zip") || ends_with(name, ".tar.gz") || ends_with(name, ".tgz");
}

std::string archive_student_name(const fs::path& file) {
  std::string name = file.filename().string();
  for (const char* tail : {".tar.gz", ".tgz", ".zip"}) {
    if (ends_with(name, tail)) return name.substr(0, name.size() - std::string(tail).size());
  }
  return name;
}

Unpacked unpack_submission(const fs::path& archive_file, const fs::path& into, const ArchiveLimits& limits) {
  Unpacked result;
  fs::create_directories(into);
  std::unique_ptr<struct archive, int (*)(struct archive*)> in(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(in.get());
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_gzip(in.get());
  std::error_code ec;
  const auto compressed = std::max<std::uintmax_t>(1, fs::file_size(archive_file, ec));
  if (archive_read_open_filename(in.get(), archive_file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    result.problem = fmt::format("{} cannot be read as an archive: {}", archive_file.filename().string(),
                                 archive_error_string(in.get()) ? archive_error_string(in.get()) : "unknown format");
    return result;
  }
  std::uint64_t files = 0, bytes = 0;
  archive_entry* entry = nullptr;
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      result.problem = fmt::format("{} is damaged: {}", archive_file.filename().string(), archive_error_string(in.get()));
      return result;
    }
    const std::string path = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (++files > limits.max_files) {
      result.problem = fmt::format("the archive holds more than {} entries", limits.max_files);
      return result;
    }
    std::vector<std::string> parts;
    if (std::string why = safe_parts(path, parts); !why.empty()) {
      result.problem = "refused: " + why;
      return result;
    }
    if (archive_entry_hardlink(entry) != nullptr || archive_entry_filetype(entry) == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : archive_entry_hardlink(entry);
      result.problem = fmt::format("refused: \"{}\" is a link (to {}): submit the files themselves", path, target ? target : "?");
      return result;
    }
    if (parts.empty()) continue;
    const auto type = archive_entry_filetype(entry);
    fs::path at;
    if (type == AE_IFDIR) {
      if (std::string why = make_folders(into, parts, parts.size(), at); !why.empty()) {
        result.problem = why;
        return result;
      }
      continue;
    }
    if (type != AE_IFREG) {
      result.problem = fmt::format("refused: \"{}\" is not a regular file", path);
      return result;
    }
    if (std::string why = make_folders(into, parts, parts.size() - 1, at); !why.empty()) {
      result.problem = why;
      return result;
    }
    at /= parts.back();
    UniqueFd out{::open(at.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)};
    if (!out) {
      result.problem = fmt::format("refused: \"{}\" appears twice, or cannot be written ({})", path, std::strerror(errno));
      return result;
    }
    for (;;) {
      la_ssize_t n = archive_read_data(in.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        result.problem = fmt::format("{} is damaged at \"{}\": {}", archive_file.filename().string(), path,
                                     archive_error_string(in.get()));
        return result;
      }
      bytes += static_cast<std::uint64_t>(n);
      if (bytes > limits.max_bytes) {
        result.problem = fmt::format("the archive unpacks to more than {} MiB", limits.max_bytes >> 20);
        return result;
      }
      if (static_cast<double>(bytes) / static_cast<double>(compressed) > limits.max_ratio && bytes > (1u << 20)) {
        result.problem = fmt::format("the archive unpacks to over {:g} times its size (a zip bomb?)", limits.max_ratio);
        return result;
      }
      if (::write(out.get(), buffer.data(), static_cast<std::size_t>(n)) != n)
        throw SyscallError("write", at.string(), errno);
    }
  }
  result.root = submission_root(into);
  return result;
}

void pack_folder(const fs::path& root, const fs::path& archive_file) {
  constexpr time_t k_date = 946684800;  // 2000-01-01: the same files, the same archive
  std::vector<fs::path> entries;
  for (const auto& e : fs::recursive_directory_iterator(root)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  const fs::path partial = archive_file.parent_path() / ("." + archive_file.filename().string() + ".partial");
  std::unique_ptr<struct archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  const bool zip = ends_with(archive_file.string(), ".zip");
  if (zip) {
    archive_write_set_format_zip(a.get());
  } else {
    archive_write_set_format_pax_restricted(a.get());
    archive_write_add_filter_gzip(a.get());
    archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);  // no date in the gzip header
  }
  auto fail = [&](const std::string& call) {
    const std::string why = archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown error";
    fs::remove(partial);
    throw SyscallError(call, fmt::format("{} ({})", partial.string(), why), archive_errno(a.get()) ? archive_errno(a.get()) : EIO);
  };
  if (archive_write_open_filename(a.get(), partial.c_str()) != ARCHIVE_OK) fail("archive_write_open_filename");
  for (const auto& path : entries) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) throw SyscallError("lstat", path.string(), errno);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) continue;
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), path.lexically_relative(root).string().c_str());
    archive_entry_set_filetype(entry.get(), S_ISDIR(st.st_mode) ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), S_ISDIR(st.st_mode) || (st.st_mode & S_IXUSR) ? 0755 : 0644);
    archive_entry_set_size(entry.get(), S_ISREG(st.st_mode) ? st.st_size : 0);
    archive_entry_set_mtime(entry.get(), k_date, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) fail("archive_write_header");
    if (S_ISREG(st.st_mode)) {
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) throw SyscallError("open", path.string(), errno);
      char buffer[64 * 1024];
      for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) != 0;) {
        if (n < 0) throw SyscallError("read", path.string(), errno);
        if (archive_write_data(a.get(), buffer, static_cast<size_t>(n)) != n) fail("archive_write_data");
      }
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) fail("archive_write_close");
  std::error_code ec;
  fs::rename(partial, archive_file, ec);
  if (ec) throw SyscallError("rename", fmt::format("\"{}\", \"{}\"", partial.string(), archive_file.string()), ec.value());
}

}  // namespace labgrade
