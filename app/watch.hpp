// `labgrade check --watch`: the moments to grade again. A submission
// folder's sources watched with inotify, and Ctrl-C.
//
//   CtrlC ctrl_c;                              // Ctrl-C ends the watch, not the program
//   SourceWatch watch(lab, "mine", ctrl_c);
//   for (;;) {
//     grade();                                 // a first Ctrl-C meanwhile lets it finish
//     if (ctrl_c.pressed()) break;
//     SourceWatch::Change change = watch.wait();
//     if (change.what != SourceWatch::Change::What::saved) break;   // Ctrl-C, or the folder is gone
//   }
//
// The folder itself is watched, not the files' inodes: editors that save by
// writing a new file and renaming it over the old one (vim, emacs, VS Code)
// are seen, and so are files that appear. Only the lab's source files (the
// ones lab.toml's programs list) and the folder's headers count: a build in
// the folder (a.out, *.o) or an editor's swap file never starts a grading.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "labgrade/lab_spec.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

/// SIGINT while it lives: the first while a grading runs lets it finish (and
/// says so), then ends the watch; a second ends labgrade at once. Restores
/// the previous handler when it goes. One at a time.
class CtrlC {
 public:
  CtrlC();
  ~CtrlC();
  CtrlC(const CtrlC&) = delete;
  CtrlC& operator=(const CtrlC&) = delete;

  bool pressed() const noexcept;
  /// Readable once Ctrl-C was pressed (for poll).
  int fd() const noexcept;
  /// Whether a grading runs now (what the first Ctrl-C says).
  void grading(bool running) noexcept;
};

class SourceWatch {
 public:
  /// Watches `dir` (and the folders of sources listed with a folder). Throws
  /// SyscallError when inotify can't, UsageError when `dir` is not a folder.
  SourceWatch(const LabSpec& lab, std::filesystem::path dir, const CtrlC& ctrl_c);

  struct Change {
    enum class What { saved, ctrl_c, folder_gone };
    What what = What::saved;
    std::vector<std::string> files;  // saved: the sources that changed, as named in lab.toml (or headers)
  };

  /// Blocks until a source is saved, created, renamed or removed (then until
  /// 200 ms pass without another: several saves, one answer), Ctrl-C is
  /// pressed, or the folder is gone (deleted or moved). A change made while
  /// no one waited (during a grading) is answered at once.
  Change wait();

  /// Whether a change of `name` in the folder `sub` ("" for the submission's
  /// own) is one of the lab's sources: for tests.
  bool is_source(const std::string& sub, const std::string& name) const;

 private:
  struct Folder {
    int wd = -1;
    std::string sub;  // relative to the submission: "" for itself
  };
  /// Reads what inotify has now; adds the sources among it to `files`.
  /// False when the submission's folder is gone.
  bool read_events(std::vector<std::string>& files);

  std::filesystem::path m_dir;
  std::vector<std::string> m_sources;  // relative to m_dir, as lab.toml names them
  std::vector<Folder> m_folders;       // m_folders[0]: the submission's folder
  const CtrlC& m_ctrl_c;
  UniqueFd m_inotify;
};

}  // namespace labgrade
