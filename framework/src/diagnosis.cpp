#include "labgrade/diagnosis.hpp"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace labgrade {

namespace fs = std::filesystem;

namespace {

// What usually makes `call` fail with `number` in these labs; "" when
// nothing more than the errno's name can be said.
struct KnownCause {
  const char* call;  // a word of the call ("mq_receive" also matches "mq_timedreceive": see matches)
  int number;
  const char* advice;
};

constexpr KnownCause k_causes[] = {
    {"receive", EMSGSIZE, "its buffer is smaller than the queue's mq_msgsize: ask mq_getattr for attr.mq_msgsize, "
                          "allocate that many bytes and pass that size"},
    {"mq_open", ENOENT, "no queue has that name yet: whoever may start first creates it (O_CREAT, with its "
                        "attributes), and both use the same name, beginning with /"},
    {"mq_open", EINVAL, "the name must begin with / and hold no other /, and mq_maxmsg and mq_msgsize must be "
                        "within the system's limits (/proc/sys/fs/mqueue)"},
    {"mq_open", EACCES, "the queue exists with a mode that does not let it open the queue this way"},
    {"shm_open", ENOENT, "no object has that name: the producer creates it (O_CREAT) before the consumer opens "
                         "it, and both use the same name"},
    {"shm_open", EACCES, "the object's mode does not let it open the object this way (a mode such as 0666 when "
                         "it is created)"},
    {"mmap", EACCES, "PROT_WRITE needs a descriptor opened O_RDWR: a reader opens O_RDONLY and maps with PROT_READ"},
    {"mmap", EINVAL, "a length of 0 (or an offset not a multiple of the page size)"},
    {"ftruncate", EINVAL, "ftruncate needs a descriptor opened for writing (O_RDWR)"},
    {"ftruncate", EBADF, "ftruncate needs a descriptor opened for writing (O_RDWR)"},
    {"msgget", ENOENT, "no queue has that key: both programs take it from ftok with the same file and project "
                       "id, and whoever may start first passes IPC_CREAT"},
    {"msgrcv", E2BIG, "the message is longer than the size it passed: pass sizeof msg.mtext (the text part only, "
                      "not mtype)"},
    {"msgrcv", ENOMSG, "IPC_NOWAIT returns at once when no message is there: leave it out to wait for one"},
    {"msgsnd", EINVAL, "mtype must be greater than 0, and the size is that of mtext only (not of the whole struct)"},
    {"shmget", ENOENT, "no segment has that key: the producer creates it (IPC_CREAT) with the same key"},
    {"shmget", EINVAL, "a segment with that key exists and is smaller than the size asked for"},
    {"shmat", EINVAL, "shmget failed before and its -1 went on to shmat: check shmget's result"},
    {"mkfifo", EEXIST, "EEXIST is no error here: the other program made the FIFO first; go on and open it"},
    {"mkfifo", ENOENT, "a folder of the path does not exist"},
    {"open", ENOENT, "the path does not exist: was it made (mkfifo) under the path in argv[1]?"},
    {"open", ENXIO, "O_NONBLOCK with O_WRONLY fails while no reader has the FIFO open: open it without O_NONBLOCK"},
    {"kill", ESRCH, "no process has that pid: is it the pid the program was given?"},
    {"kill", EPERM, "a signal may only go to the program's own processes here"},
};

// "mq_receive" is "mq_receive" in perror's text, or "mq_timedreceive", or a
// student's own words that end with it ("error in mq_receive").
bool matches(const std::string& call, const char* known) {
  if (std::strcmp(known, "receive") == 0) return call.find("receive") != std::string::npos;
  return call == known;
}

// The errno whose C-locale text this is.
int errno_of(std::string_view text) {
  for (int number = 1; number < 200; ++number) {
    const char* description = ::strerrordesc_np(number);
    if (description != nullptr && text == description) return number;
  }
  return 0;
}

}  // namespace

std::optional<ReportedError> first_reported_error(const std::string& stderr_text) {
  std::istringstream in(stderr_text);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.rfind(": ");
    if (colon == std::string::npos || colon == 0) continue;
    const int number = errno_of(std::string_view(line).substr(colon + 2));
    if (number == 0) continue;
    std::string prefix = line.substr(0, colon);
    // perror's own text may be a sentence: the call is its last word.
    const auto space = prefix.find_last_of(" \t");
    std::string call = space == std::string::npos ? prefix : prefix.substr(space + 1);
    while (!call.empty() && (call.back() == ')' || call.back() == '(')) call.pop_back();
    // A C name, or nothing of it: the words are the program's, and go into the report.
    if (call.empty() || !std::all_of(call.begin(), call.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
      continue;
    const char* name = ::strerrorname_np(number);
    return ReportedError{call, number, name != nullptr ? name : std::to_string(number), line.substr(colon + 2)};
  }
  return std::nullopt;
}

std::optional<std::string> perror_cause(const std::string& stderr_text) {
  const auto error = first_reported_error(stderr_text);
  if (!error) return std::nullopt;
  const std::string what = fmt::format("{} failed with {} ({})", error->call, error->name, error->text);
  for (const auto& known : k_causes) {
    if (known.number == error->number && matches(error->call, known.call)) return what + ": " + known.advice;
  }
  return what + fmt::format(": its manual page (man {}) lists when it fails so", error->call);
}

std::string sigbus_cause(const fs::path& shm_dir, double within_seconds) {
  std::error_code ec;
  const auto now = ::time(nullptr);
  const long page = 4096;
  for (const auto& entry : fs::directory_iterator(shm_dir, ec)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= page) continue;
    if (static_cast<double>(now - st.st_ctime) > within_seconds + 1.0) continue;
    const std::string name = entry.path().filename().string();
    if (st.st_size == 0) {
      return fmt::format("/dev/shm/{} is 0 bytes long: a new object is empty until ftruncate(fd, SIZE) gives it its "
                         "size, and touching a mapping beyond the object's end raises SIGBUS", name);
    }
    return fmt::format("/dev/shm/{} is only {} bytes long: touching a mapping beyond the object's end raises SIGBUS; "
                       "give it its full size with ftruncate", name, st.st_size);
  }
  return "a SIGBUS on shared memory means touching a mapping beyond the end of its object: is the object as large "
         "as the mapping (ftruncate)?";
}

}  // namespace labgrade
