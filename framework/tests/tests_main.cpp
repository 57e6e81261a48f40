// The framework tests' main: a normal GoogleTest run, or, when the grading
// flow under test starts this binary as its check runner, that runner.
#include <signal.h>

#include <string>

#include <gtest/gtest.h>

#include "labgrade/grading.hpp"

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  if (argc == 3 && std::string(argv[1]) == "__run-checks") return labgrade::run_checks_main(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
