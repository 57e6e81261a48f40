// A student's archive (.zip, .tar.gz, .tgz) unpacked safely with libarchive:
// nothing is written outside the folder given, whatever the archive holds;
// and a folder packed into one (a student kit, a Gradescope autograder).
//
//   Unpacked u = unpack_submission("subs/ana.zip", scratch / "ana");
//   if (!u.problem.empty()) ... the student's failed entry, with the reason
//   else grade u.root      // the folder holding the files (one level of nesting removed)
//
// Refused, with the reason: a path that is absolute or climbs out (`..`), a
// link (symbolic or hard: it could point anywhere), a device or FIFO, more
// than `max_files` entries or `max_bytes` in all, or a compression ratio
// above `max_ratio` (a zip bomb). Only regular files and folders are made.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace labgrade {

struct ArchiveLimits {
  std::uint64_t max_bytes = 64ull << 20;
  std::uint64_t max_files = 2000;
  double max_ratio = 200;
};

struct Unpacked {
  std::filesystem::path root;  // where the submission's files are
  std::string problem;         // "" when unpacked
};

/// Whether a file of the submissions folder is an archive labgrade reads.
bool is_archive(const std::filesystem::path& file);
/// The student's name for an archive: its file name without .zip / .tar.gz / .tgz.
std::string archive_student_name(const std::filesystem::path& file);

Unpacked unpack_submission(const std::filesystem::path& archive, const std::filesystem::path& into,
                           const ArchiveLimits& limits = {});

/// Packs everything below `root` (paths relative to it, sorted) into a .zip
/// or a .tar.gz / .tgz (by the name of `archive`), written whole or not at
/// all: regular files with their mode (0755 or 0644) and folders; owner root,
/// a fixed date, so that the same files give the same archive.
void pack_folder(const std::filesystem::path& root, const std::filesystem::path& archive);

}  // namespace labgrade
