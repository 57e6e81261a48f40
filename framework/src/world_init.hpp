// The world's init (private to world.cpp): pid 1 of a check's namespaces, and
// the private root it builds before the first program arrives.
//
//   InitPlan plan = make_init_plan(layout_for(options, ids), fds...);   // allocates: before clone
//   if (clone(...) == 0) init_main(plan);                               // the child: no allocation
//
// The set-up is a flat list of steps, in the order the kernel needs them
// (nsjail's containProc): id maps → network → private mounts → a tmpfs root
// → the system's folders bound read-only → a minimal /etc → /dev, /dev/shm,
// /dev/mqueue → /proc → /tmp → the working directory → everything but the
// writable places sealed read-only → pivot_root into it. A failed step is
// reported to the grader as {step, errno}: init_step_name(step) names it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace labgrade::detail {

/// One entry of the private root's top level, as on the host: a folder bound
/// read-only ("usr"), or a symbolic link ("bin" -> "usr/bin" on merged /usr).
struct RootEntry {
  bool is_link = false;
  std::string name;    // relative to the new root: "usr"
  std::string source;  // the host folder to bind ("/usr"), or the link's target
};

/// The system's folders that a C program (and gcc) needs, read off the host once.
const std::vector<RootEntry>& system_folders();

/// The in-world path of every world's working directory.
inline constexpr const char* k_world_workdir = "/work";

/// Everything the init needs, prepared before clone.
struct InitPlan {
  int control_fd = -1;  // read end: EOF ends the world; 'q' asks for a census
  int status_fd = -1;   // write end: the set-up's InitStatus, then census answers
  int sync_fd = -1;     // read end: the grader has written the id maps (user ns)
  int network_fd = -1;  // a pooled network namespace to join, or -1
  bool loopback_up = false;  // bring the world's own loopback up (127.0.0.1, ::1): a network namespace of its own
  bool low_ports = false;    // ports under 1024 of that loopback are anyone's (rpcbind's 111)
  std::string run_options;   // a tmpfs on /run (rpcbind's socket and lock), or "" for none
  std::string root;     // host folder the new root (a tmpfs) is mounted on, then pivoted into
  const std::vector<RootEntry>* system = nullptr;
  std::vector<std::pair<std::string, std::string>> etc_files;  // "etc/passwd", its text
  std::vector<std::string> etc_binds;   // "etc/ld.so.cache": bound read-only from "/" + it
  std::string localtime_link;           // target of etc/localtime, or ""
  std::string shm_options, tmp_options, workdir_options;
  std::string workdir_bind;             // a host folder bound read-write as the working directory (the compiler's), or ""
  std::vector<std::string> masks;       // folders inside the system's ("usr/share/labgrade/reference") shown empty
  bool fail_shm_mount = false;          // fault injection ("mount"): decided before clone
};

/// The ids inside the world that its files belong to, for /etc/passwd.
struct WorldIds {
  uid_t uid;
  gid_t gid;
};

/// Fills the /etc files of a world whose programs run as `ids`; `rpc`: also
/// what ONC RPC reads there (netconfig, the sunrpc service, rpcbind's user).
void add_etc(InitPlan& plan, WorldIds ids, bool rpc = false);

/// What the init tells the grader when its set-up is done: 0, or the step that failed and its errno.
struct InitStatus {
  int step = 0;
  int err = 0;
};

/// The init's answer to 'q'.
struct InitReport {
  std::uint32_t orphans_reaped;
  std::int32_t last_pid;  // /proc/sys/kernel/ns_last_pid of the world, -1 if unreadable
};

const char* init_step_name(int step);

/// pid 1 of the world: builds it, reports, then reaps orphans and answers
/// censuses until the control pipe closes; then kills everything and exits.
[[noreturn]] void init_main(const InitPlan& plan);

}  // namespace labgrade::detail
