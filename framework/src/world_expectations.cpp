// CheckWorld's expectations about the IPC objects and processes of a world:
// System V segments and queues, POSIX queues, FIFOs, and the pid namespace's census.
#include <sys/ipc.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "labgrade/check.hpp"
#include "labgrade/error.hpp"
#include "labgrade/replay_journal.hpp"

namespace labgrade {

namespace fs = std::filesystem;

std::vector<SysvSegment> CheckWorld::sysv_segments() const { return labgrade::sysv_segments(*m_world); }

long CheckWorld::ftok_key(const std::string& file, int project) const {
  const fs::path path = m_world->workdir_from_outside() / file;
  key_t key = ::ftok(path.c_str(), project);
  if (key == -1) throw SyscallError("ftok", fmt::format("\"{}\", {}", path.string(), project), errno);
  return key;
}

static std::string describe_segments(const std::vector<SysvSegment>& segments) {
  if (segments.empty()) return "no segment at all";
  std::string out;
  for (const auto& s : segments) {
    out += fmt::format("{}key {:#x} ({} bytes, mode {:04o}{})", out.empty() ? "" : ", ", static_cast<unsigned long>(s.key) & 0xffffffffUL,
                       s.size, s.mode, s.key == 0 ? ", removed but still attached" : "");
  }
  return out;
}

SysvVerdict CheckWorld::expect_sysv_segment(long key) {
  ReplayJournal::current().note(fmt::format("looked for the System V segment with key {:#x}", static_cast<unsigned long>(key) & 0xffffffffUL), "sysv");
  auto segments = sysv_segments();
  std::string what = fmt::format("the segment with key {:#x}", static_cast<unsigned long>(key) & 0xffffffffUL);
  for (const auto& s : segments) {
    if (s.key == key) return SysvVerdict(s, what, std::nullopt);
  }
  return SysvVerdict(std::nullopt, what,
                     Failure{fmt::format("{} to exist{}", what, after_last_run()), describe_segments(segments), "", false});
}

Verdict CheckWorld::expect_no_sysv_segments() {
  ReplayJournal::current().note("looked at the System V shared memory segments, expecting none", "sysv");
  auto segments = sysv_segments();
  if (segments.empty()) return Verdict(std::nullopt);
  return Verdict(Failure{"no System V shared memory segment left" + after_last_run(), describe_segments(segments), "", false});
}

SysvVerdict& SysvVerdict::size(std::size_t bytes) {
  also([&]() -> std::optional<Failure> {
    if (m_segment->size == bytes) return std::nullopt;
    return Failure{fmt::format("{} to be {} bytes", m_what, bytes), fmt::format("{} bytes", m_segment->size), "", false};
  });
  return *this;
}

SysvVerdict& SysvVerdict::mode(unsigned permissions) {
  also([&]() -> std::optional<Failure> {
    if (m_segment->mode == permissions) return std::nullopt;
    return Failure{fmt::format("{} to have permissions {:04o}", m_what, permissions),
                   fmt::format("permissions {:04o}", m_segment->mode), "", false};
  });
  return *this;
}

SysvVerdict& SysvVerdict::holds_ints(const std::vector<int>& values) {
  also([&]() -> std::optional<Failure> {
    std::vector<int> actual;
    for (std::size_t i = 0; i < values.size() && (i + 1) * sizeof(int) <= m_segment->bytes.size(); ++i) {
      int v = 0;
      std::memcpy(&v, m_segment->bytes.data() + i * sizeof(int), sizeof v);
      actual.push_back(v);
    }
    if (actual == values) return std::nullopt;
    auto join = [](const std::vector<int>& xs) {
      std::string out;
      for (int x : xs) out += (out.empty() ? "" : " ") + std::to_string(x);
      return out.empty() ? std::string("nothing") : out;
    };
    return Failure{fmt::format("{} to hold the ints {}", m_what, join(values)), "it holds " + join(actual), "", false};
  });
  return *this;
}

SysvVerdict& SysvVerdict::attached(unsigned long count) {
  also([&]() -> std::optional<Failure> {
    if (m_segment->nattch == count) return std::nullopt;
    return Failure{fmt::format("{} to be attached by {} process{}", m_what, count, count == 1 ? "" : "es"),
                   fmt::format("attached by {}", m_segment->nattch), "", false};
  });
  return *this;
}

PosixQueueVerdict CheckWorld::expect_posix_queue(const std::string& name) {
  ReplayJournal::current().note("looked at the POSIX message queue " + name, "mqueue", name);
  auto attributes = posix_queue(*m_world, name);
  if (attributes) return PosixQueueVerdict(attributes, name, std::nullopt);
  std::vector<std::string> queues;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(m_world->mqueue_dir(), ec)) queues.push_back("/" + e.path().filename().string());
  std::string listing;
  for (const auto& q : queues) listing += (listing.empty() ? "" : ", ") + q;
  return PosixQueueVerdict(std::nullopt, name,
                           Failure{fmt::format("the message queue {} to exist{}", name, after_last_run()),
                                   listing.empty() ? "no queue at all" : "only " + listing, "", false});
}

PosixQueueVerdict& PosixQueueVerdict::max_messages(long count) {
  also([&]() -> std::optional<Failure> {
    if (m_attributes->max_messages == count) return std::nullopt;
    return Failure{fmt::format("{} to hold at most {} messages (mq_maxmsg)", m_name, count),
                   fmt::format("mq_maxmsg is {}", m_attributes->max_messages), "", false};
  });
  return *this;
}

PosixQueueVerdict& PosixQueueVerdict::message_size(long bytes) {
  also([&]() -> std::optional<Failure> {
    if (m_attributes->message_size == bytes) return std::nullopt;
    return Failure{fmt::format("{} to take messages of up to {} bytes (mq_msgsize)", m_name, bytes),
                   fmt::format("mq_msgsize is {}", m_attributes->message_size), "", false};
  });
  return *this;
}

PosixQueueVerdict& PosixQueueVerdict::messages(long count) {
  also([&]() -> std::optional<Failure> {
    if (m_attributes->messages == count) return std::nullopt;
    return Failure{fmt::format("{} to hold {} messages", m_name, count),
                   fmt::format("it holds {} (mq_curmsgs)", m_attributes->messages), "", false};
  });
  return *this;
}

Verdict CheckWorld::expect_no_posix_queues() {
  ReplayJournal::current().note("looked at /dev/mqueue, expecting it empty", "mqueue");
  std::string listing;
  std::error_code ec;
  if (m_world->isolation() == Isolation::none && !fs::exists(m_world->mqueue_dir())) {
    // The host has no mqueue file system mounted: ask for the lab's queues by name.
    for (const auto& name : m_world->mq_names()) {
      if (posix_queue(*m_world, name)) listing += (listing.empty() ? "" : ", ") + name;
    }
  } else {
    for (const auto& e : fs::directory_iterator(m_world->mqueue_dir(), ec)) {
      listing += (listing.empty() ? "/" : ", /") + e.path().filename().string();
    }
    if (ec) throw SyscallError("opendir", m_world->mqueue_dir().string(), ec.value());
  }
  if (listing.empty()) return Verdict(std::nullopt);
  return Verdict(Failure{"no message queue left" + after_last_run(), "/dev/mqueue holds " + listing, "", false});
}

Verdict CheckWorld::expect_no_sysv_queues() {
  ReplayJournal::current().note("looked at the System V message queues, expecting none", "sysv");
  auto queues = sysv_queues(*m_world);
  if (queues.empty()) return Verdict(std::nullopt);
  std::string listing;
  for (const auto& q : queues) {
    listing += fmt::format("{}key {:#x} ({} message{})", listing.empty() ? "" : ", ",
                           static_cast<unsigned long>(q.key) & 0xffffffffUL, q.messages, q.messages == 1 ? "" : "s");
  }
  return Verdict(Failure{"no System V message queue left" + after_last_run(), listing, "", false});
}

Verdict CheckWorld::expect_fifo(const std::string& name) {
  ReplayJournal::current().note("looked at " + name + ", expecting a FIFO", "file", name);
  struct stat st {};
  const fs::path path = m_world->workdir_from_outside() / name;
  if (::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) return Verdict(std::nullopt);
  std::string got = ::lstat(path.c_str(), &st) != 0 ? "it does not exist"
                    : S_ISREG(st.st_mode)           ? "it is a regular file (made by open with O_CREAT, not mkfifo)"
                                                    : fmt::format("it is not a FIFO (mode {:o})", st.st_mode);
  return Verdict(Failure{fmt::format("{} to be a FIFO", name), got, "", false});
}

Verdict CheckWorld::expect_no_file(const std::string& name) {
  ReplayJournal::current().note("looked for " + name + ", expecting it gone", "file", name);
  struct stat st {};
  if (::lstat((m_world->workdir_from_outside() / name).c_str(), &st) != 0) return Verdict(std::nullopt);
  return Verdict(Failure{fmt::format("{} to be gone{}", name, after_last_run()),
                         S_ISFIFO(st.st_mode) ? "the FIFO is still there" : "it is still there", "", false});
}

Verdict CheckWorld::expect_no_orphans() {
  ReplayJournal::current().note("asked its world's pid namespace whether a process was orphaned (not shown here)");
  World::Census census = m_world->census();
  if (census.orphans == 0) return Verdict(std::nullopt);
  return Verdict(Failure{"no process left without its parent (every parent waits for its children)",
                         fmt::format("{} process{} outlived {} parent and went to the world's init", census.orphans,
                                     census.orphans == 1 ? "" : "es", census.orphans == 1 ? "its" : "their"),
                         "", false});
}

int CheckWorld::processes_created_by(const Run& run) {
  ReplayJournal::current().note("counted the processes " + run.program().who() + " made (not shown here)");
  if (int counted = run.process_counted_forks(); counted >= 0) return counted;  // no pid namespace: counted as made
  if (run.world_pid() <= 0) throw GraderError("the program's pid in the world is unknown");
  return m_world->census().last_pid - run.world_pid();
}

}  // namespace labgrade
