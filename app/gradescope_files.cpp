#include "gradescope_files.hpp"

#include <fstream>

#include "gradescope_scripts.hpp"

namespace labgrade {

namespace fs = std::filesystem;

void write_gradescope_files(const fs::path& dir, const std::string& lab) {
  constexpr auto executable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec;
  std::ofstream(dir / "setup.sh") << k_gradescope_setup;
  std::ofstream(dir / "run_autograder") << k_gradescope_run;
  fs::permissions(dir / "setup.sh", executable);
  fs::permissions(dir / "run_autograder", executable);
  std::ofstream(dir / "LAB") << lab << "\n";
}

}  // namespace labgrade
