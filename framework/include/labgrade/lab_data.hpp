// Test data shared by the graders: fresh random bytes, texts and numbers, so
// that a hard-coded answer never matches.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace labgrade::data {

/// A fast generator seeded afresh each run (splitmix64).
class Random {
 public:
  Random() : m_state(std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// In [low, high].
  long between(long low, long high) { return low + static_cast<long>(next() % static_cast<std::uint64_t>(high - low + 1)); }

  /// `size` random bytes, NUL bytes included.
  std::string bytes(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
      std::uint64_t word = next();
      for (std::size_t j = 0; j < 8 && i + j < size; ++j) out[i + j] = static_cast<char>(word >> (8 * j));
    }
    return out;
  }

  /// A printable text of `length` bytes (letters, digits, spaces and punctuation; no
  /// leading or trailing space, no newline).
  std::string text(std::size_t length) {
    static const char k_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-_()[]{}#%&*+=/<>@";
    std::string out;
    for (std::size_t i = 0; i < length; ++i) {
      char c = k_chars[next() % (sizeof k_chars - 1)];
      if (c == ' ' && (i == 0 || i + 1 == length)) c = 'x';
      out.push_back(c);
    }
    return out;
  }

 private:
  std::uint64_t m_state;
};

}  // namespace labgrade::data
