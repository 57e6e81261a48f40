#include "labgrade/replay_script.hpp"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace labgrade {

namespace {

// Steps closer than this to the one before follow it at once; a longer gap is
// a `sleep` (the grader waited, or looked inside its world, meanwhile).
constexpr double k_gap = 0.02;
// File descriptors of the script for the stdin of programs kept open.
constexpr int k_first_fd = 3, k_last_fd = 9;

// `text` as comment lines: controls (a program's output may hold any byte)
// shown as '?', so that nothing ends a comment early or moves a terminal.
std::string comment(const std::string& text, const std::string& first = "# ", const std::string& rest = "# ") {
  std::string out;
  std::istringstream in(text);
  bool is_first = true;
  for (std::string line; std::getline(in, line);) {
    for (char& c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) c = '?';
    }
    out += (is_first ? first : rest) + line + "\n";
    is_first = false;
  }
  return out;
}

std::string who(const ReplayRun& run) {
  return (run.role == "student" ? "your " : "the reference ") + run.program;
}

std::string seconds(double s) { return fmt::format("{:.2f}", s); }

std::string signal_word(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? abbrev : std::to_string(sig);
}

class ScriptWriter {
 public:
  ScriptWriter(const ReplayRecord& record, const ReplayFacts& facts) : m_record(record), m_facts(facts) {
    for (const auto& run : record.runs) m_runs[run.id] = &run;
  }

  std::string write() {
    header();
    files();
    isolation();
    preamble();
    guards();
    steps();
    footer();
    return m_out;
  }

 private:
  const ReplayRun& run(int id) const { return *m_runs.at(id); }
  std::string var(int id) const { return fmt::format("p{}", id); }
  std::string path(const std::string& file) const { return "\"$here\"/" + shell_quote(file); }
  std::string prefix(int id) const { return replay_file_prefix(run(id)); }

  void header() {
    const CheckResult& r = m_facts.result;
    m_out += "#!/bin/sh\n";
    m_out += comment(fmt::format("The check \"{}\" ({}) of the lab {}, replayed by hand: the programs it ran, "
                                 "with the same arguments and input, in the same order.",
                                 r.title, r.test, m_facts.lab.name));
    m_out += "#\n# labgrade found:\n";
    if (!r.expected.empty()) m_out += comment(r.expected, "#   expected: ", "#             ");
    if (!r.got.empty()) m_out += comment(r.got, "#   got:      ", "#             ");
    if (!r.hint.empty()) m_out += comment(r.hint, "#   hint:     ", "#             ");
    m_out += "#\n"
             "# Run it: sh replay.sh (from anywhere). Each program's stdout and stderr go to files\n"
             "# beside this script (1-NAME.stdout, 1-NAME.stderr; 1 is the run's number), and each\n"
             "# program's end is shown as the grader's report words it. Or type the commands\n"
             "# yourself from work/ (under gdb, valgrind or strace); by hand, leave out `setsid`.\n";
  }

  void files() {
    m_out += "#\n# In this folder:\n";
    std::set<std::string> listed;
    for (const auto& run : m_record.runs) {
      const std::string name = replay_binary_name(run);
      if (!listed.insert(name).second) continue;
      m_out += comment(fmt::format("{:<24} {}", name,
                                   run.role == "student" ? "your program, as labgrade built it from your sources"
                                                         : "the reference program (built by labgrade; no source)"),
                       "#   ");
    }
    for (const auto& run : m_record.runs) {
      if (run.has_stdin) m_out += comment(fmt::format("{:<24} what run {} was given on its stdin", prefix(run.id) + ".stdin", run.id), "#   ");
    }
    for (const auto& step : m_record.steps) {
      if (step.kind != ReplayStep::Kind::write_stdin) continue;
      m_out += comment(fmt::format("{:<24} what the grader wrote to run {}'s stdin later", fmt::format("{}.write-{}", prefix(step.run), step.part), step.run), "#   ");
    }
  }

  // The world's network, as the lab asked for it.
  std::string network() const {
    if (m_facts.lab.rpcbind) return "a loopback (127.0.0.1) and an rpcbind of its own and no other network";
    if (m_facts.lab.loopback) return "a loopback (127.0.0.1) of its own and no other network";
    return "no network";
  }

  void isolation() {
    const Limits& l = m_facts.lab.limits;
    const bool off = m_facts.isolation.rfind("off", 0) == 0;
    m_out += "#\n";
    m_out += comment(off ? fmt::format("The grader had no namespaces here (isolation {}): it ran them on this machine, one "
                                       "check at a time, contained by what the kernel offers (Landlock, seccomp), as another "
                                       "user when it was root.", m_facts.isolation)
                         : fmt::format("The grader ran them in a private world (isolation: {}): its own IPC objects, "
                                       "/dev/shm and /dev/mqueue, its own pids, {}, an empty working directory "
                                       "/work, as an unprivileged user, under seccomp.", m_facts.isolation, network()));
    if (m_facts.lab.rpcbind && !off) {
      m_out += comment("Here the servers register with this machine's rpcbind: it must run (sudo systemctl start rpcbind, "
                       "or sudo rpcbind), and a server left from an earlier run may still be registered.");
    }
    m_out += comment(fmt::format("Its limits: {:g} s a program (unless the check gave another), {} s of CPU, {} MiB of memory, "
                                 "{} processes, files of {} MiB at most.",
                                 l.time_limit, l.cpu_seconds, l.memory_mb, l.processes, l.file_size_mb));
    m_out += "# Here they run on this machine as it is, as you, in a fresh folder work/, without those\n"
             "# limits: the grader's time limits and kills happen at the moments they happened.\n"
             "# The names the check used (paths, shared memory names, random data) are the same.\n"
             "# Between the steps below, the grader may also have looked inside its world (files,\n"
             "# /proc) without touching the programs: a `sleep` stands for the time it took.\n";
    if (m_facts.lab.clock_control) {
      m_out += comment(fmt::format("This lab's programs are linked with labgrade's clock: under the grader their sleeps "
                                   "lasted {} of their time, or ended when the check said; here every sleep is the real one.",
                                   m_facts.lab.clock_scale == 1.0 ? std::string("all") : fmt::format("{:g}", m_facts.lab.clock_scale)));
    }
  }

  void preamble() {
    m_out += "\nset -u\nhere=$(cd \"$(dirname \"$0\")\" && pwd) || exit 1\nexport LC_ALL=C\n";
    std::string vars, list;
    for (const auto& run : m_record.runs) vars += " " + var(run.id) + "=", list += " $" + var(run.id);
    m_out += vars.substr(1) + "\n";
    m_out += "# Programs still running when the script ends (or on Ctrl-C) go with it, as with the grader.\n";
    m_out += fmt::format("trap 'for p in{}; do stop \"$p\"; done' EXIT\n", list);
    m_out += "trap 'exit 130' INT TERM\n\n";
    m_out += "# stop PID: kills it and its process group (it is a group leader once setsid has run).\n"
             "stop() { kill -KILL \"-$1\" 2>/dev/null || kill -KILL \"$1\" 2>/dev/null; }\n"
             "# ended N WHO FILES STATUS: how run N ended, in the grader's words, and its output.\n"
             "ended() {\n"
             "  if [ \"$4\" -gt 128 ]; then how=\"was killed by SIG$(kill -l \"$(($4 - 128))\")\"; else how=\"exited with status $4\"; fi\n"
             "  echo \"replay: [$1] $2 $how; its stdout ($(wc -c < \"$here/$3.stdout\") bytes) is in $3.stdout\"\n"
             "  if [ -s \"$here/$3.stderr\" ]; then echo \"replay: [$1] its stderr:\"; head -n 20 \"$here/$3.stderr\" | sed 's/^/    /'; fi\n"
             "}\n"
             "# wait_for_line FILE LINE HUNDREDTHS [N]: wait, as the grader did, until FILE has the line LINE\n"
             "# (as its line N, when given: another line there ends the wait at once).\n"
             "wait_for_line() {\n"
             "  n=0\n"
             "  while :; do\n"
             "    if [ ! -e \"$1\" ]; then :\n"
             "    elif [ \"${4:-0}\" -gt 0 ]; then\n"
             "      if [ \"$(wc -l < \"$1\")\" -ge \"$4\" ]; then\n"
             "        got=$(sed -n \"$4{s/[[:space:]]*$//;p;}\" \"$1\")\n"
             "        [ \"$got\" = \"$2\" ] && return 0\n"
             "        echo \"replay: line $4 of $(basename \"$1\") is \\\"$got\\\", not \\\"$2\\\"\"; return 1\n"
             "      fi\n"
             "    elif sed 's/[[:space:]]*$//' \"$1\" | grep -qxF -e \"$2\"; then return 0\n"
             "    fi\n"
             "    n=$((n + 1))\n"
             "    if [ \"$n\" -gt \"$3\" ]; then echo \"replay: no line \\\"$2\\\" in $(basename \"$1\") in time\"; return 1; fi\n"
             "    sleep 0.01\n"
             "  done\n"
             "}\n"
             "# ipc_objects: this user's IPC objects now, one a line (shm NAME, mq NAME, segment ID, queue ID).\n"
             "ipc_objects() {\n"
             "  find /dev/shm -mindepth 1 -maxdepth 1 -user \"$(id -u)\" 2>/dev/null | sed 's|^/dev/shm/|shm |'\n"
             "  find /dev/mqueue -mindepth 1 -maxdepth 1 -user \"$(id -u)\" 2>/dev/null | sed 's|^/dev/mqueue/|mq |'\n"
             "  ipcs -m -c 2>/dev/null | awk -v u=\"$(id -un)\" '$1 ~ /^[0-9]+$/ && $3 == u { print \"segment \" $1 }'\n"
             "  ipcs -q -c 2>/dev/null | awk -v u=\"$(id -un)\" '$1 ~ /^[0-9]+$/ && $3 == u { print \"queue \" $1 }'\n"
             "}\n"
             "# world_ends BEFORE: what the world's programs made (this user's IPC objects not in BEFORE) is\n"
             "# removed, as the grader's world took it with it; as root it is only named (root's are not told apart).\n"
             "world_ends() {\n"
             "  ipc_objects | while read -r kind name; do\n"
             "    printf '%s\\n' \"$1\" | grep -qxF \"$kind $name\" && continue\n"
             "    if [ \"$(id -u)\" -eq 0 ]; then echo \"replay: the programs left the $kind $name here (remove it yourself: ipcrm, rm)\"; continue; fi\n"
             "    echo \"replay: the programs left the $kind $name: removed, as the grader's world ended\"\n"
             "    case $kind in shm) rm -f \"/dev/shm/$name\" ;; mq) rm -f \"/dev/mqueue/$name\" ;; segment) ipcrm -m \"$name\" ;; queue) ipcrm -q \"$name\" ;; esac\n"
             "  done\n"
             "}\n"
             "# wait_until_asleep PID HUNDREDTHS: wait until it sleeps (state S in /proc twice in a row) or has ended.\n"
             "wait_until_asleep() {\n"
             "  n=0 seen=0\n"
             "  while [ -e \"/proc/$1\" ] && [ \"$seen\" -lt 2 ]; do\n"
             "    if [ \"$(sed 's/.*) //;s/ .*//' \"/proc/$1/stat\" 2>/dev/null)\" = S ]; then seen=$((seen + 1)); else seen=0; fi\n"
             "    n=$((n + 1))\n"
             "    if [ \"$n\" -gt \"$2\" ]; then echo \"replay: it did not sleep in time\"; return 1; fi\n"
             "    sleep 0.01\n"
             "  done\n"
             "}\n";
  }

  static std::string bare(std::string name) {
    while (!name.empty() && name.front() == '/') name.erase(0, 1);
    return name;
  }

  // The grader's worlds began without the lab's named objects; on this machine one may be left from a run before.
  void guards() {
    for (const auto& [folder, names] : {std::pair{"/dev/shm", m_facts.lab.shm_names}, std::pair{"/dev/mqueue", m_facts.lab.mq_names}}) {
      for (const auto& name : names) {
        const std::string object = std::string(folder) + "/" + bare(name);
        m_out += fmt::format("if [ -e {0} ]; then echo \"replay: {1} is there already (left by an earlier run?): the grader's "
                             "world began without it; remove it (rm {1}) and run this again\" >&2; exit 1; fi\n",
                             shell_quote(object), object);
      }
    }
  }

  void world_begins(int world) {
    m_out += fmt::format("\n# The grader's world {} begins: a fresh, empty working directory.\n", world);
    m_out += "rm -rf \"$here/work\" && mkdir \"$here/work\" && cd \"$here/work\" || exit 1\n";
    m_out += "before=$(ipc_objects)\n";
    for (const auto& file : m_facts.lab.world_files) {
      m_out += fmt::format(": > {}  # an empty file the lab puts in every world (lab.toml [world] files)\n", shell_quote(file));
    }
    m_world = world;
  }

  void world_ends(int world) {
    m_out += fmt::format("# The grader's world {} ends here: its programs, IPC objects and files went with it.\n", world);
    std::string objects;
    for (const auto& name : m_facts.lab.shm_names) objects += " " + shell_quote("/dev/shm/" + bare(name));
    for (const auto& name : m_facts.lab.mq_names) objects += " " + shell_quote("/dev/mqueue/" + bare(name));
    if (!objects.empty()) m_out += "rm -f" + objects + "\n";
    m_out += "world_ends \"$before\"\ncd \"$here\"\n";
  }

  // Whether the run is started and waited for in one line: it ended by
  // itself, and nothing happened between its start and its end.
  bool in_foreground(std::size_t start_index) const {
    const ReplayStep& start = m_record.steps[start_index];
    if (run(start.run).interactive || start_index + 1 >= m_record.steps.size()) return false;
    const ReplayStep& next = m_record.steps[start_index + 1];
    return next.kind == ReplayStep::Kind::end && next.run == start.run && (next.how == "exited" || next.how == "signaled");
  }

  std::string closing_fds() const {
    std::string out;
    for (const auto& [id, fd] : m_fds) out += fmt::format(" {}>&-", fd);
    return out;
  }

  void start(std::size_t index) {
    const ReplayStep& step = m_record.steps[index];
    const ReplayRun& r = run(step.run);
    if (r.world != m_world) world_begins(r.world);
    const std::string p = prefix(r.id);
    std::string line = fmt::format("[{}] {}", r.id, who(r));
    if (!r.args.empty()) line += fmt::format(", {} argument{}", r.args.size(), r.args.size() == 1 ? "" : "s");
    line += r.has_stdin ? fmt::format(", its stdin from {}.stdin", p) : r.interactive ? ", its stdin kept open by the grader" : ", no stdin (/dev/null)";
    line += fmt::format(" (the grader's time limit: {:g} s)", r.time_limit);
    m_out += "\n" + comment(line);
    std::string command = path(replay_binary_name(r));
    for (const auto& arg : r.args) command += " " + shell_quote(arg);
    const std::string outputs = fmt::format(" > {} 2> {}", path(p + ".stdout"), path(p + ".stderr"));
    if (in_foreground(index)) {
      m_out += command + (r.has_stdin ? " < " + path(p + ".stdin") : " < /dev/null") + outputs + closing_fds() + "\n";
      m_out += fmt::format("ended {} {} {} $?\n", r.id, shell_quote(who(r)), shell_quote(p));
      m_foreground_end = index + 1;
      m_last = m_record.steps[index + 1].at;
      return;
    }
    if (!r.interactive) {
      m_out += "setsid " + command + (r.has_stdin ? " < " + path(p + ".stdin") : " < /dev/null") + outputs + closing_fds() + " &\n";
      m_out += var(r.id) + "=$!\n";
      return;
    }
    const int fd = next_fd();
    if (fd < 0) {
      m_out += "# (its stdin stays empty here: this replay has no file descriptor left for it)\n";
      m_out += "setsid " + command + " < /dev/null" + outputs + closing_fds() + " &\n" + var(r.id) + "=$!\n";
      return;
    }
    const std::string fifo = path(p + ".in");
    m_out += fmt::format("rm -f {0} && mkfifo {0} || exit 1\n", fifo);
    m_out += "setsid " + command + " < " + fifo + outputs + closing_fds() + " &\n" + var(r.id) + "=$!\n";
    m_out += fmt::format("exec {}> {}  # its stdin, kept open by the grader for what it writes below\n", fd, fifo);
    m_fds[r.id] = fd;
    if (r.has_stdin) m_out += fmt::format("cat {} >&{}\n", path(p + ".stdin"), fd);
  }

  int next_fd() const {
    for (int fd = k_first_fd; fd <= k_last_fd; ++fd) {
      if (std::none_of(m_fds.begin(), m_fds.end(), [&](const auto& e) { return e.second == fd; })) return fd;
    }
    return -1;
  }

  void close_stdin_of(int id) {
    auto it = m_fds.find(id);
    if (it == m_fds.end()) return;
    m_out += fmt::format("exec {}>&-\n", it->second);
    m_fds.erase(it);
  }

  void end(const ReplayStep& step) {
    const ReplayRun& r = run(step.run);
    const std::string v = "\"$" + var(r.id) + "\"";
    if (step.how == "exited" || step.how == "signaled") {
      m_out += comment(fmt::format("[{}] {} ended by itself here (with the grader: {})", r.id, who(r), step.text));
    } else if (step.how == "timed_out") {
      m_out += comment(fmt::format("[{}] the grader killed {} here: it {}", r.id, who(r), step.text));
      m_out += fmt::format("stop \"${}\"\n", var(r.id));
    } else {
      m_out += comment(fmt::format("[{}] the grader killed {} here: {}", r.id, who(r),
                                   step.how == "killed" ? step.text : "it was still running when the check ended"));
      m_out += fmt::format("stop \"${}\"\n", var(r.id));
    }
    m_out += fmt::format("wait {} 2>/dev/null\nended {} {} {} $?\n", v, r.id, shell_quote(who(r)), shell_quote(prefix(r.id)));
    m_out += var(r.id) + "=\n";
    close_stdin_of(r.id);
  }

  void note(const ReplayStep& step) {
    m_out += comment((step.run != 0 ? fmt::format("[{}] the grader ", step.run) : "the grader ") + step.text);
    if (step.look == "line" && step.run != 0) {
      m_out += fmt::format("wait_for_line {} {} {}{}\n", path(prefix(step.run) + ".stdout"), shell_quote(step.arg),
                           std::max(1L, std::lround(step.seconds * 100)), step.part > 0 ? fmt::format(" {}", step.part) : "");
    } else if (step.look == "asleep" && step.run != 0) {
      m_out += fmt::format("wait_until_asleep \"${}\" {}\n", var(step.run), std::max(1L, std::lround(step.seconds * 100)));
    } else if (step.look == "shm" || step.look == "mqueue") {
      const std::string folder = step.look == "shm" ? "/dev/shm/" : "/dev/mqueue/";
      std::vector<std::string> names;
      if (!step.arg.empty()) names.push_back(step.arg);
      else names = step.look == "shm" ? m_facts.lab.shm_names : m_facts.lab.mq_names;
      for (const auto& name : names) m_out += fmt::format("ls -l {} 2>&1\n", shell_quote(folder + bare(name)));
    } else if (step.look == "sysv") {
      m_out += "ipcs -m -q 2>&1\n";
    } else if (step.look == "file") {
      m_out += fmt::format("ls -ld -- {} 2>&1\n", shell_quote(step.arg));
    }
  }

  void steps() {
    m_last = 0;
    for (std::size_t i = 0; i < m_record.steps.size(); ++i) {
      if (i == m_foreground_end) continue;
      const ReplayStep& step = m_record.steps[i];
      const bool self_end = step.kind == ReplayStep::Kind::end && (step.how == "exited" || step.how == "signaled");
      const bool waits = step.kind == ReplayStep::Kind::note && (step.look == "line" || step.look == "asleep");
      if (!self_end && !waits && step.at - m_last >= k_gap) m_out += fmt::format("sleep {}  # the grader's next step came this much later\n", seconds(step.at - m_last));
      m_last = std::max(m_last, step.at);
      switch (step.kind) {
        case ReplayStep::Kind::start: start(i); break;
        case ReplayStep::Kind::end: end(step); break;
        case ReplayStep::Kind::signal:
          m_out += fmt::format("kill -{} \"${}\"  # the grader sent SIG{} to [{}] {}\n", signal_word(step.signal),
                               var(step.run), signal_word(step.signal), step.run, who(run(step.run)));
          break;
        case ReplayStep::Kind::write_stdin:
          if (auto it = m_fds.find(step.run); it != m_fds.end()) {
            m_out += fmt::format("cat {} >&{}  # the grader wrote {} bytes to [{}]'s stdin\n",
                                 path(fmt::format("{}.write-{}", prefix(step.run), step.part)), it->second, step.bytes, step.run);
          } else {
            m_out += fmt::format("# the grader wrote {} bytes to [{}]'s stdin (not replayed: no descriptor for it)\n", step.bytes, step.run);
          }
          break;
        case ReplayStep::Kind::close_stdin:
          m_out += fmt::format("# the grader closed [{}]'s stdin\n", step.run);
          close_stdin_of(step.run);
          break;
        case ReplayStep::Kind::note: note(step); break;
        case ReplayStep::Kind::world_end: world_ends(step.world); break;
      }
    }
  }

  void footer() {
    const CheckResult& r = m_facts.result;
    m_out += "\n# What labgrade found, to compare with what happened here:\n";
    m_out += fmt::format("printf '%s\\n' {}\n", shell_quote("replay: done. labgrade expected " + r.expected));
    m_out += fmt::format("printf '%s\\n' {}\n", shell_quote("replay: and found: " + r.got));
  }

  const ReplayRecord& m_record;
  const ReplayFacts& m_facts;
  std::map<int, const ReplayRun*> m_runs;
  std::map<int, int> m_fds;  // run → the script's descriptor of its stdin
  std::string m_out;
  int m_world = 0;
  double m_last = 0;
  std::size_t m_foreground_end = static_cast<std::size_t>(-1);
};

}  // namespace

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./=:,+-@%").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string replay_binary_name(const ReplayRun& run) {
  return (run.role == "student" ? "" : "reference-") + run.program + (run.variant == "default" ? "" : "-" + run.variant);
}

std::string replay_file_prefix(const ReplayRun& run) { return fmt::format("{}-{}", run.id, run.program); }

std::string replay_script(const ReplayRecord& record, const ReplayFacts& facts) {
  return ScriptWriter(record, facts).write();
}

}  // namespace labgrade
