// The folders of labgrade's cache hold programs it runs (the reference, a
// course's compiled checks, a student's program compiled before) and files
// it compiles with (the clock shim, generated stubs). An entry another user
// could have put there would run as the grader, or beside a student's code
// with what the student may not see. So every folder from the cache folder
// down to an entry must be this user's, a real folder (not a link), and
// writable by no one else: every cache finds its folder here.
//
//   const fs::path dir = cache_folder(cache_dir, "compiled");   // <cache>/compiled
//
// A folder it makes gets mode 0755 whatever the umask; one of this user's
// that others may write loses their write permission (it is ours to fix).
#pragma once

#include <filesystem>

namespace labgrade {

/// `cache_dir / below`, made if missing. Throws UsageError naming the folder
/// when one of them is another user's or a link, SyscallError when one
/// cannot be made or read.
std::filesystem::path cache_folder(const std::filesystem::path& cache_dir, const std::filesystem::path& below);

}  // namespace labgrade
