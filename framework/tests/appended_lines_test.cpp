// Lines another process appends to a file, read as they come: whole lines
// only, each once, a file not made yet read as empty.
#include "labgrade/appended_lines.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "labgrade/temp_dir.hpp"

namespace labgrade {
namespace {

TEST(AppendedLines, EachWholeLineOnceAndAHalfLineWhenItEnds) {
  TempDir dir("labgrade-lines-");
  AppendedLines lines(dir.path() / "file");
  EXPECT_TRUE(lines.read_new().empty()) << "a file not made yet";
  std::ofstream out(dir.path() / "file");
  out << "one\ntw" << std::flush;
  EXPECT_EQ(lines.read_new(), (std::vector<std::string>{"one"}));
  EXPECT_TRUE(lines.read_new().empty());
  out << "o\nthree\n" << std::flush;
  EXPECT_EQ(lines.read_new(), (std::vector<std::string>{"two", "three"}));
}

}  // namespace
}  // namespace labgrade
