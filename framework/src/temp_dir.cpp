#include "labgrade/temp_dir.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "labgrade/error.hpp"

namespace labgrade {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix, const fs::path& parent) {
  fs::path base = parent;
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = (tmp != nullptr && *tmp != '\0') ? fs::path(tmp) : fs::path("/tmp");
  }
  std::string pattern = (base / (prefix + "XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) throw SyscallError("mkdtemp", pattern, errno);
  m_path = buffer.data();
}

TempDir::TempDir(TempDir&& other) noexcept : m_path(std::move(other.m_path)) {
  other.m_path.clear();
}

TempDir::~TempDir() {
  if (m_path.empty()) return;
  std::error_code ignored;
  fs::remove_all(m_path, ignored);
}

void write_file_atomically(const fs::path& file, const std::string& text) {
  const fs::path temporary = file.parent_path() / fmt::format(".{}.{}.tmp", file.filename().string(), ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw SyscallError("write", temporary.string(), errno);
  }
  std::error_code ec;
  fs::rename(temporary, file, ec);
  if (ec) throw SyscallError("rename", fmt::format("\"{}\", \"{}\"", temporary.string(), file.string()), ec.value());
}

}  // namespace labgrade
