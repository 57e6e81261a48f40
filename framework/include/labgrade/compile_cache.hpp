// Programs compiled before from the very same files: the staged folder the
// compiler would see (the sources, headers, the lab's include/ and generated
// files, the clock shim), the same command and the same compiler give the
// same program, so it is copied instead of compiled again. Kept in the
// cache folder, keyed by a hash of all of those; only programs that built.
// What it saves: an unchanged program of a student's rerun (`check --watch`
// after a save of the other file, a CI rerun), an unchanged starter file
// across a class.
//
//   const std::string key = compile_key(staged, argv, compiler);
//   if (auto said = fetch_compiled(cache, key, executable)) ...   // no compiler run; *said: its warnings
//   else { compile; store_compiled(cache, key, executable, diagnostics); }
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace labgrade {

/// The key of a compile: every file below `staged`, the command, the compiler's identity.
std::string compile_key(const std::filesystem::path& staged, const std::vector<std::string>& argv,
                        const std::string& compiler);

/// Copies the program compiled before under `key` to `executable` and returns
/// what the compiler said then; none when there is no such program.
std::optional<std::string> fetch_compiled(const std::filesystem::path& cache_dir, const std::string& key,
                                          const std::filesystem::path& executable);

/// Keeps a program that built (and what the compiler said) under `key`.
/// A failure to keep it is not an error: it is compiled again next time.
void store_compiled(const std::filesystem::path& cache_dir, const std::string& key,
                    const std::filesystem::path& executable, const std::string& diagnostics) noexcept;

}  // namespace labgrade
