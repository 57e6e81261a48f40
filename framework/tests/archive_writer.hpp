// Archives for tests, written with libarchive itself (zip or tar.gz), with
// the entries a hostile student could put in them.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace labgrade::test {

struct Entry {
  std::string path;
  std::string data;
  enum Kind { file, folder, symlink, hardlink } kind = file;
  std::string target;
};

// An archive written with libarchive itself: zip, or tar.gz.
inline void write_archive(const std::filesystem::path& file, const std::vector<Entry>& entries, bool zip = true) {
  struct archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  }
  if (archive_write_open_filename(a, file.c_str()) != ARCHIVE_OK) throw std::runtime_error("cannot write " + file.string());
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_perm(entry, 0644);
    switch (e.kind) {
      case Entry::file: archive_entry_set_filetype(entry, AE_IFREG); archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size())); break;
      case Entry::folder: archive_entry_set_filetype(entry, AE_IFDIR); break;
      case Entry::symlink: archive_entry_set_filetype(entry, AE_IFLNK); archive_entry_set_symlink(entry, e.target.c_str()); break;
      case Entry::hardlink: archive_entry_set_filetype(entry, AE_IFREG); archive_entry_set_hardlink(entry, e.target.c_str()); break;
    }
    archive_write_header(a, entry);
    if (e.kind == Entry::file && !e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace labgrade::test
