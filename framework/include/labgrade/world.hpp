// A world: the private place where one check's programs run.
//
//   World world(WorldOptions{.shm_mb = 64});
//   auto p = world.spawn({.argv = {exe}, .time_limit = 2.0});
//   p->wait();
//   for (auto& e : std::filesystem::directory_iterator(world.shm_dir())) ...
//
// With namespaces (the normal case) the world is a small init of the
// grader's (world_init.hpp), pid 1 of new IPC, mount, pid, UTS and network
// namespaces (and a user namespace when not root; as root the network
// namespace, empty, comes from a pool: see quiet_network.hpp), in a private
// root of its own: the system's program and library folders bound
// read-only, a minimal /etc, a private /dev with null/zero/full/random/
// urandom, a size-capped /dev/shm, its own /dev/mqueue, /proc and /tmp, and
// the working directory /work; nothing else of the machine. Its programs run
// as an unprivileged user (as root, a uid of the world's own: see
// sandbox_user.hpp), are born in its pid namespace and enter the others
// with setns(pidfd), children of the grader, which waits for them directly
// (process.hpp); they are executed
// through a descriptor the grader opened, so their binaries need not be
// inside. Tearing the world down kills everything in it: the init sends
// SIGCONT and SIGKILL to every process of the namespace, and its exit takes
// the pid namespace with it (setsid'd daemons included).
//
// Without namespaces (detected, or forced with LABGRADE_ISOLATION=off) the
// world is the host (world_host.cpp): programs run as children of the grader
// (a subreaper, so daemons come back to it and are killed), as a uid of
// their own when labgrade is root, inside Landlock where the kernel has it
// and with signals only to their own process tree and no Internet sockets
// (seccomp); worlds are taken one at a time on the machine; an object the
// lab's names could collide with that was there first is a grader error,
// never removed; what the world made is removed at teardown.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "labgrade/cgroup.hpp"
#include "labgrade/core_shares.hpp"
#include "labgrade/process.hpp"
#include "labgrade/quiet_network.hpp"
#include "labgrade/sandbox_user.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/unique_fd.hpp"

namespace labgrade {

class LandlockRuleset;

enum class Isolation {
  namespaces,       // root: new namespaces, no user namespace needed
  user_namespaces,  // not root: the same, inside a new user namespace
  none,             // the host's /dev/shm and IPC, one world at a time
};

/// "namespaces", "user namespaces", "off".
std::string to_string(Isolation isolation);

/// What this machine allows, tried once per process (cached).
/// LABGRADE_ISOLATION=off forces `none`.
Isolation detect_isolation();

/// Why the last detection fell back to `none` ("" when it did not).
std::string isolation_fallback_reason();

/// What holds programs where the world is the host, in words, for reports:
/// "Landlock (ABI 7: files, TCP, signals and abstract sockets), seccomp
/// (signals to their own processes only, no Internet sockets), uid 60123".
/// `posix_queues`: the lab uses POSIX message queues (Landlock needs
/// /dev/mqueue mounted to allow them; without, it is left out).
std::string host_containment(bool posix_queues);

/// Takes what a parent process detected instead of probing again (the check
/// runner, one per submission, spares a world). No effect once detected.
void adopt_isolation(Isolation isolation, const std::string& fallback_reason);

/// The limits a world may have hit, readable while it lives (copied into
/// each run, so that a failure can name them in the student's terms).
struct WorldLimitsProbe {
  std::shared_ptr<const WorldCgroup> cgroup;  // null without one
  std::filesystem::path shm_dir;              // the world's /dev/shm seen from outside
  long shm_mb = 0;
  std::filesystem::path workdir;              // its working directory seen from outside (a tmpfs)
  long workdir_mb = 0;
  /// Without namespaces (no tmpfs of the world's): what it holds on the host
  /// past its limits, measured ("the working directory is full ...").
  std::function<std::optional<std::string>()> host_usage;
  /// "memory limit of 256 MiB exceeded", "too many processes (...)",
  /// "/dev/shm is full (4 MiB)"; nothing when no limit was hit.
  std::optional<std::string> hit() const;
};

struct WorldOptions {
  long shm_mb = 64;                        // size of the world's /dev/shm
  long workdir_mb = 64;                    // size of the world's working directory (a tmpfs)
  std::vector<std::string> shm_names;      // removed by name when isolation is off
  std::vector<std::string> mq_names;       // POSIX message queues, the same
  std::vector<std::string> files;          // empty files made in the working directory
  std::filesystem::path scratch_parent;    // without namespaces: where the working directory is made; default $TMPDIR
  /// Limits for the whole world, held by a cgroup where the machine has one
  /// (cgroup_support()); without, every program keeps only its own rlimits.
  std::optional<CgroupLimits> world_limits;
  /// The grader's own folders (the lab, its reference): hidden where they
  /// lie inside a folder the world shows (an installed labgrade's /usr/share).
  std::vector<std::filesystem::path> hidden;
  /// The compiler's world: this folder of the host is the working directory
  /// (read-write, bound; without namespaces, the folder itself) instead of a
  /// fresh tmpfs, and the world holds no lock of the machine.
  std::filesystem::path workdir_bind;
  /// No other world that asks for this runs at the same time on this machine
  /// (a machine-wide lock, waited for): for a check that times programs
  /// whose speed depends on having cores to themselves (a busy-waiting pair).
  bool cores_to_itself = false;
  /// Its programs busy-wait for each other (a bounded buffer): a program
  /// that spins without a system call while no other can run is as stuck as
  /// one asleep (DeadlockWatch), once the check awaits it.
  bool spinning_is_waiting = false;
  /// The cores its programs run on; empty: those of the thread that starts them.
  Cores cores;
  /// A network of its own: a loopback, up (127.0.0.1, ::1), in a network
  /// namespace no other world shares, never pooled; still no route anywhere
  /// else. Needs namespaces (without them, 127.0.0.1 is the machine's).
  bool loopback = false;
  /// An rpcbind of the world's own (the matchmaker of ONC RPC), started before
  /// any program and ready when the world is: listening on 111 of the world's
  /// loopback (implies `loopback`) and on /run/rpcbind.sock. It fails to
  /// start: GraderError. Not a program of the check's: the deadlock watch
  /// leaves it out, and the world's end ends it.
  bool rpcbind = false;

  bool operator==(const WorldOptions&) const = default;
};

/// The port a world's rpcbind listens on (WorldOptions::rpcbind).
inline constexpr unsigned k_rpcbind_port = 111;

/// The path of one of ONC RPC's tools (rpcbind, rpcinfo): found in PATH,
/// then in /usr/sbin and /sbin. Not installed: GraderError saying how to install it.
std::string rpc_tool(const std::string& name);

class World {
 public:
  /// A world with the detected isolation (see detect_isolation()).
  explicit World(const WorldOptions& options);
  /// A world with the given isolation (used to probe what the machine allows).
  World(const WorldOptions& options, Isolation isolation);
  ~World();  // tears down: never throws
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Isolation isolation() const noexcept { return m_isolation; }
  /// The world's working directory, as its programs see it (their cwd): with
  /// isolation /work, a size-capped tmpfs of the world's (look at it with
  /// workdir_from_outside()); without, a folder of the host.
  const std::filesystem::path& workdir() const noexcept { return m_workdir_inside; }
  /// The working directory as the grader sees it from outside.
  std::filesystem::path workdir_from_outside() const;
  /// The world's /dev/shm, as the grader sees it from outside.
  std::filesystem::path shm_dir() const;
  /// The world's /dev/mqueue, as the grader sees it from outside.
  std::filesystem::path mqueue_dir() const;
  /// The host pid of the world's init (-1 without isolation).
  pid_t init_pid() const noexcept { return m_init_pid; }
  /// A pidfd of the world's init, to enter its namespaces (-1 without isolation).
  int init_pidfd() const noexcept { return m_init_pidfd.get(); }
  /// The setns flags that enter this world (0 without isolation).
  int namespace_flags() const noexcept;

  /// Starts a program inside the world. Its cwd defaults to workdir(); its
  /// environment is a small fixed one plus `options.env`.
  std::shared_ptr<Process> spawn(SpawnOptions options);

  /// What the world's pid namespace has seen: processes reparented to its init
  /// (orphans: a parent ended before its child), and the last pid it gave
  /// (the first program started is pid 2, its first child pid 3, ...).
  struct Census {
    int orphans = 0;
    int last_pid = -1;
  };
  /// Without isolation: orphans are the processes that came back to us (the
  /// subreaper) and last_pid is -1 (processes are counted per run instead:
  /// Process::forks_made()).
  Census census() const;

  /// Whether an entry of shm_dir() belongs to this world: always, but without
  /// isolation, where /dev/shm is the host's, only if it was not there before.
  bool made_here(const std::string& shm_entry) const;
  /// The lab's POSIX queue names (WorldOptions::mq_names).
  const std::vector<std::string>& mq_names() const noexcept { return m_mq_names; }
  /// The cgroup holding the world's limits (null without one).
  std::shared_ptr<const WorldCgroup> cgroup() const noexcept { return m_cgroup; }
  /// The user its programs run as (uid and gid).
  uid_t program_uid() const noexcept;
  /// Makes a folder or file of the host (inside workdir_bind) its programs' own,
  /// where they run as a user of their own (root: chown; otherwise nothing to do).
  void give_to_programs(const std::filesystem::path& host_path) const;
  /// How long making it waited for other worlds (the machine-wide locks).
  std::chrono::steady_clock::duration waited() const noexcept { return m_waited; }
  /// What can tell, later, which of its limits the world hit.
  WorldLimitsProbe limits_probe() const;

  /// Ends the world now: its init kills every process in it, and its
  /// programs started here are killed and reaped; it can't be used
  /// afterwards. With namespaces the init may still be exiting (its exit
  /// takes the namespaces with it): tear_down() waits for that.
  void end() noexcept;
  /// Ends the world and lets everything of it go (waits for its init, frees
  /// its network, cgroup and uid; without namespaces, removes what it made).
  void tear_down() noexcept;

 private:
  void start_init(const WorldOptions& options);
  std::shared_ptr<Process> launch(SpawnOptions options, const SeccompFilter& filter);
  // world_services.cpp: the world's own services
  void start_rpcbind();
  void make_files(const std::vector<std::string>& names);
  // world_host.cpp: the host as a world (no namespaces)
  void begin_on_host(const WorldOptions& options, std::chrono::steady_clock::time_point asked);
  void end_on_host() noexcept;
  void refuse_objects_there_first() const;
  void make_files_on_host(const std::vector<std::string>& names);
  void remove_host_objects() noexcept;
  void prepare_host_spawn(SpawnOptions& options);

  Isolation m_isolation;
  std::optional<TempDir> m_workdir;  // without namespaces: the programs' working directory
  std::filesystem::path m_workdir_inside;
  std::filesystem::path m_workdir_bind;
  SandboxUser m_user;
  pid_t m_init_pid = -1;
  UniqueFd m_init_pidfd;
  UniqueFd m_control;  // closing it tells the init to end the world; 'q' asks for a census
  UniqueFd m_replies;  // the init's answers
  UniqueFd m_host_lock;
  UniqueFd m_cores_lock;
  std::chrono::steady_clock::duration m_waited{};
  std::vector<std::string> m_shm_names, m_mq_names, m_files;
  std::vector<std::string> m_host_shm_before;  // isolation off: the host's /dev/shm when the world began (sorted)
  std::vector<std::shared_ptr<Process>> m_processes;
  std::vector<int> m_services;  // the world's services (rpcbind), as its pid namespace numbers them
  AwaitCount m_awaits = std::make_shared<std::atomic<int>>(0);  // the check's waits on its programs (Process::Awaiting)
  std::shared_ptr<WorldCgroup> m_cgroup;
  std::shared_ptr<LandlockRuleset> m_landlock;  // without namespaces, where the kernel has Landlock
  std::function<std::optional<std::string>()> m_host_usage;  // without namespaces: over its limits?
  QuietNetwork m_network;  // root: a pooled network namespace (else the init makes its own)
  long m_shm_mb = 0;
  long m_workdir_mb = 0;
  bool m_ended = false;
  bool m_torn_down = false;
  bool m_spinning_is_waiting = false;
  Cores m_cores;  // its programs' (WorldOptions::cores)
};

}  // namespace labgrade
