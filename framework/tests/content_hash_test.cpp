// ContentHash names caches and batch results; own_build_id() is labgrade's
// identity in a batch's fingerprint, read from its own headers instead of
// hashing its 40 MB at every run.
#include "labgrade/content_hash.hpp"

#include <unistd.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/host_command.hpp"

namespace labgrade {
namespace {

TEST(ContentHash, PiecesAreSeparated) {
  ContentHash a, b;
  a.add("ab");
  a.add("c");
  b.add("a");
  b.add("bc");
  EXPECT_NE(a.hex(), b.hex());
}

TEST(OwnBuildId, IsTheLinkersNoteOfThisProgram) {
  const std::string id = own_build_id();
  ASSERT_FALSE(id.empty()) << "labgrade's programs are linked with --build-id";
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_EQ(id, own_build_id());
  HostCommand readelf;
  readelf.argv = {"readelf", "-n", "/proc/self/exe"};
  if (resolve_host_program(readelf).empty()) GTEST_SKIP() << "no readelf to compare with";
  readelf.argv.back() = std::string("/proc/") + std::to_string(::getpid()) + "/exe";
  const HostCommandResult said = run_on_host(readelf);
  ASSERT_TRUE(said.exited_with(0)) << said.err.bytes;
  EXPECT_THAT(said.out.bytes, ::testing::HasSubstr("Build ID: " + id));
}

}  // namespace
}  // namespace labgrade
