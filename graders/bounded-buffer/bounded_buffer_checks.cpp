// The checks of the bounded-buffer lab (labs.md). The grader reads `in`,
// `out` and `buffer` straight from the world's /dev/shm/SYSUOS_bb, and runs
// every behaviour at each BUFFER_SIZE it compiled (10, 2, 7, 64), so a
// submission that assumes one size fails with a message naming the size.
#include <algorithm>
#include <array>
#include <future>
#include <charconv>
#include <cstring>
#include <string_view>
#include <optional>
#include <cstdint>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <labgrade/check.hpp>
#include <labgrade/proc_files.hpp>

namespace {

using namespace std::chrono_literals;
using labgrade::CheckWorld;
using labgrade::Failure;

struct Size {
  const char* variant;
  int buffer_size;
};
constexpr Size k_sizes[] = {{"default", 10}, {"size2", 2}, {"size7", 7}, {"size64", 64}};
const char* const k_object = "SYSUOS_bb";

// The header's shared_data, as read from the object.
struct State {
  int in = 0;
  int out = 0;
  std::vector<int> buffer;
  bool operator==(const State&) const = default;
};

std::optional<State> read_state(const CheckWorld& world, int buffer_size) {
  auto bytes = world.read_shm(k_object);
  const std::size_t size = sizeof(int) * (2 + static_cast<std::size_t>(buffer_size));
  if (!bytes || bytes->size() < size) return std::nullopt;
  State s;
  std::memcpy(&s.in, bytes->data(), sizeof(int));
  std::memcpy(&s.out, bytes->data() + sizeof(int), sizeof(int));
  s.buffer.resize(static_cast<std::size_t>(buffer_size));
  std::memcpy(s.buffer.data(), bytes->data() + 2 * sizeof(int), sizeof(int) * s.buffer.size());
  return s;
}

// splitmix64, seeded afresh each run: a million numbers take a millisecond.
std::uint64_t next_random() {
  static std::uint64_t state = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A random number in [0, bound), without a division.
std::uint32_t below(std::uint32_t bound) {
  return static_cast<std::uint32_t>(((next_random() >> 32) * bound) >> 32);
}

// Fresh random items in [-1000000, 1000000].
std::vector<int> random_items(std::size_t count) {
  std::vector<int> out(count);
  for (auto& v : out) v = static_cast<int>(below(2000001)) - 1000000;
  return out;
}

// `count` fresh random items of 7 digits, either sign, one a line, formatted
// straight into a producer's stdin. Fixed width makes a million lines a few
// milliseconds of work instead of fifteen: they are the grader's cost in the
// 1,000,000-item check.
labgrade::InputFile random_seven_digit_lines(std::size_t count) {
  static const auto four_digits = [] {
    std::array<std::array<char, 4>, 10000> table{};
    for (int i = 0; i < 10000; ++i)
      table[i] = {char('0' + i / 1000), char('0' + i / 100 % 10), char('0' + i / 10 % 10), char('0' + i % 10)};
    return table;
  }();
  return labgrade::InputFile::written([&](const labgrade::InputFile::Append& append) {
    char chunk[9 * 8192];  // 8,192 lines at most a piece
    for (std::size_t done = 0; done < count;) {
      char* p = chunk;
      for (const std::size_t stop = std::min(count, done + 8192); done < stop; ++done) {
        const std::uint64_t r = next_random();
        const auto magnitude = static_cast<std::uint32_t>(1000000 + (((r >> 32) * 9000000) >> 32));
        *p = '-';
        p += r & 1;  // negative half of the time, without a branch
        std::memcpy(p, four_digits[magnitude / 10000].data() + 1, 3);
        std::memcpy(p + 3, four_digits[magnitude % 10000].data(), 4);
        p[7] = '\n';
        p += 8;
      }
      append({chunk, static_cast<std::size_t>(p - chunk)});
    }
  });
}

// The items of such lines, back as numbers (to explain a difference).
std::vector<int> items_in(std::string_view lines) {
  std::vector<int> items;
  while (!lines.empty()) {
    const std::size_t eol = std::min(lines.find('\n'), lines.size());
    int value = 0;
    std::from_chars(lines.data(), lines.data() + eol, value);
    items.push_back(value);
    lines.remove_prefix(std::min(eol + 1, lines.size()));
  }
  return items;
}

// One item a line, as the producer reads them, written at `out` (12 bytes an
// item at most); returns the end.
char* write_lines(const std::vector<int>& items, std::size_t from, std::size_t to, char* out) {
  for (std::size_t i = from; i < items.size() && i < to; ++i) {
    out = std::to_chars(out, out + 11, items[i]).ptr;
    *out++ = '\n';
  }
  return out;
}

std::string lines(const std::vector<int>& items, std::size_t from = 0, std::size_t to = SIZE_MAX) {
  std::string out(12 * (std::min(to, items.size()) - std::min(from, items.size())), '\0');
  out.resize(static_cast<std::size_t>(write_lines(items, from, to, out.data()) - out.data()));
  return out;
}

// What a state says about the program that left it, in the student's terms:
// an index outside the buffer (an assumed size), an item written over one
// nobody had taken.
std::string diagnose(const State& s, const std::vector<int>& items, int buffer_size) {
  if (s.in < 0 || s.in >= buffer_size || s.out < 0 || s.out >= buffer_size) {
    return fmt::format(": {} is not a slot of a {}-slot buffer — the code assumes another BUFFER_SIZE "
                       "(use BUFFER_SIZE, never a number)", s.in < 0 || s.in >= buffer_size ? "in == " + std::to_string(s.in)
                                                                                          : "out == " + std::to_string(s.out),
                       buffer_size);
  }
  for (std::size_t slot = 0; slot < s.buffer.size(); ++slot) {
    auto it = std::find(items.begin(), items.end(), s.buffer[slot]);
    auto number = it - items.begin();
    if (it != items.end() && number >= buffer_size - 1 && static_cast<long>(slot) == number % buffer_size) {
      return fmt::format(": slot {} holds item #{}, written over item #{} that nobody had taken", slot, number + 1,
                         number + 1 - buffer_size);
    }
  }
  return "";
}

// "in == 3, out == 0; buffer: [item #1, item #2, item #3, 0, ...]", in the items' numbers.
std::string describe(const State& s, const std::vector<int>& items) {
  std::string slots;
  for (std::size_t i = 0; i < s.buffer.size() && i < 12; ++i) {
    auto it = std::find(items.begin(), items.end(), s.buffer[i]);
    std::string what = it == items.end() ? std::to_string(s.buffer[i])
                                         : fmt::format("item #{}", it - items.begin() + 1);
    slots += (slots.empty() ? "" : ", ") + what;
  }
  if (s.buffer.size() > 12) slots += ", ...";
  return fmt::format("in == {}, out == {}; buffer: [{}]", s.in, s.out, slots);
}

// The first difference between the items sent and the lines a consumer printed.
std::optional<std::string> compare_items(const std::vector<int>& sent, const std::string& printed) {
  std::size_t i = 0;
  const char* p = printed.data();
  const char* const end = p + printed.size();
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (eol == nullptr) eol = end;
    std::string_view line(p, static_cast<std::size_t>(eol - p));
    p = eol + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (i >= sent.size()) return fmt::format("an extra item {} after the {} expected", line, sent.size());
    int value = 0;
    auto [stop, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || stop != line.data() + line.size() || value != sent[i]) {
      auto later = std::find(sent.begin(), sent.end(), value);
      std::string note = ec != std::errc() || stop != line.data() + line.size() ? "not a number on its own line"
                         : later == sent.end() ? "a value that was never sent (garbage)"
                         : later - sent.begin() < static_cast<long>(i) ? fmt::format("item #{} again (a duplicate)", later - sent.begin() + 1)
                                                                      : fmt::format("item #{} (items were lost or reordered)", later - sent.begin() + 1);
      return fmt::format("item #{} should be {}; it printed \"{}\": {}", i + 1, sent[i], line, note);
    }
    ++i;
  }
  if (i < sent.size()) return fmt::format("only {} of the {} items (item #{} = {} never came)", i, sent.size(), i + 1, sent[i]);
  return std::nullopt;
}

// How often a program has gone to sleep so far: the kernel's count of its
// voluntary context switches (a sleep, or a call that blocks). A spinning
// loop makes none, and neither does sched_yield(): the kernel counts a
// yield as involuntary. -1 once the program has gone.
long times_asleep(labgrade::Run& program) {
  auto status = labgrade::read_proc_file(fmt::format("/proc/{}/status", program.process().pid()));
  return status ? labgrade::status_number(*status, "voluntary_ctxt_switches") : -1;
}

// "it exited with status 0", "it was killed by SIGBUS (Bus error)": how a
// program that should still be waiting ended.
std::string it_ended(labgrade::Run& program) {
  const labgrade::ProcessResult& r = program.wait();
  return std::string(r.ending == labgrade::ProcessResult::Ending::signaled ? "it was " : "it ") + r.describe();
}

// The same, for a program that ended "instead of waiting": one found stuck
// (a spin nothing could end) needs no more words.
std::string ended_instead_of_waiting(labgrade::Run& program) {
  return it_ended(program) + (program.wait().stuck.empty() ? " instead of waiting" : "");
}

class BoundedBuffer : public labgrade::LabCheck {
 protected:
  // Waits until `program` has begun to wait for the other side (`waiting`
  // holds of the object), then watches it wait for half a second: a
  // busy-wait never sleeps; usleep(1000) in the loop sleeps hundreds of times.
  static void expect_busy_wait(CheckWorld& world, labgrade::Run& program, const std::function<bool(const State&)>& waiting,
                               const std::string& expected) {
    std::optional<State> state;
    const bool began = program.await_until([&] {
      state = read_state(world, 10);
      return (state && waiting(*state)) || program.process().finished();
    }, 3s) && !program.process().finished();
    if (!began) {
      labgrade::fail_check(program.failure(expected, program.process().finished()
                                                         ? ended_instead_of_waiting(program)
                                                         : "it never began to wait: " + (state ? describe(*state, {}) : "no /dev/shm/SYSUOS_bb")));
    }
    constexpr auto k_watched = 500ms;  // a spin sleeps 0 times meanwhile, usleep(1000) about 450
    constexpr long k_most = 10;        // sleeps of 50 ms and more take the other checks past their time limits
    const long before = times_asleep(program);
    std::this_thread::sleep_for(k_watched);  // the wait being watched, not a wait for an event
    const long slept = times_asleep(program) - before;
    if (before < 0 || program.process().finished()) {
      labgrade::fail_check(program.failure(expected, it_ended(program) + " instead of waiting"));
    }
    if (slept > k_most) {
      labgrade::fail_check(Failure{expected,
                                   fmt::format("it went to sleep {} times in {} ms of waiting: its wait loop sleeps "
                                               "(usleep, nanosleep, sleep...), so every wait lasts a millisecond or more",
                                               slept, std::chrono::milliseconds(k_watched).count()),
                                   "", false});
    }
  }

  static std::string size_note(const Size& size) {
    return size.buffer_size == 10 ? "with BUFFER_SIZE 10" : fmt::format("with BUFFER_SIZE {} (-DBUFFER_SIZE={})", size.buffer_size, size.buffer_size);
  }

  // Fails the check with the consumer's output compared to what was sent.
  static void expect_items(labgrade::Run& consumer, const std::vector<int>& sent, const std::string& who,
                           const std::string& note) {
    const std::string& printed = consumer.stdout_text();
    if (auto difference = compare_items(sent, printed)) {
      labgrade::fail_check(Failure{fmt::format("{} to print the {} items in the order they were produced ({})",
                                               who, sent.size(), note),
                                   *difference, "", false});
    }
  }
};

TEST_F(BoundedBuffer, BuildsWithEveryBufferSize) {
  for (const Size& size : k_sizes) {
    expect_builds("bb_producer", size.variant);
    expect_builds("bb_consumer", size.variant);
  }
}

TEST_F(BoundedBuffer, ProducerStopsWhenFull) {
  for (const Size& size : k_sizes) {
    auto world = new_world();
    const int capacity = size.buffer_size - 1;
    const auto items = random_items(static_cast<std::size_t>(size.buffer_size) + 5);
    auto producer = world.run(student("bb_producer").variant(size.variant).stdin_text(lines(items)));

    // Wait for the buffer to fill: in == BUFFER_SIZE-1 while out stays 0.
    std::optional<State> state;
    const bool full = producer.await_until([&] {
      state = read_state(world, size.buffer_size);
      return (state && state->in == capacity) || producer.process().finished();
    }, 3s) && state && state->in == capacity;
    std::string expected = fmt::format("{}, fed {} items alone, your bb_producer to fill the buffer (in == {}, out == 0) and wait",
                                       size_note(size), items.size(), capacity);
    if (!full) {
      std::string got = state ? describe(*state, items) + diagnose(*state, items, size.buffer_size)
                              : fmt::format("/dev/shm/{} holds {}", k_object, world.shm_listing());
      if (producer.process().finished()) got += "; " + ended_instead_of_waiting(producer);
      labgrade::fail_check(producer.failure(expected, got));
    }
    // Full: it must now wait, changing nothing (no overwrite), for a while.
    const State at_full = *state;
    std::optional<State> later;
    bool changed = CheckWorld::wait_until([&] {
      later = read_state(world, size.buffer_size);
      return !later || !(*later == at_full) || producer.process().finished();
    }, 200ms);
    if (changed) {
      std::string got = later ? "after filling it, it went on: " + describe(*later, items) + diagnose(*later, items, size.buffer_size)
                              : "the object disappeared";
      if (producer.process().finished()) got = it_ended(producer) + " instead of waiting with the buffer full";
      labgrade::fail_check(producer.failure(expected, got));
    }
    std::vector<int> first(items.begin(), items.begin() + capacity);
    std::vector<int> held(at_full.buffer.begin(), at_full.buffer.begin() + capacity);
    if (at_full.out != 0 || held != first) {
      labgrade::fail_check(Failure{fmt::format("{}: buffer[0..{}] to hold the first {} items in order, out == 0",
                                               size_note(size), capacity - 1, capacity),
                                   describe(at_full, items), "", false});
    }
    producer.kill();
  }
}

TEST_F(BoundedBuffer, ConsumerTakesOnlyWhatIsThere) {
  for (const Size& size : k_sizes) {
    auto world = new_world();
    const int k = std::max(1, std::min(size.buffer_size - 1, 5));
    const auto items = random_items(static_cast<std::size_t>(k + 2 * size.buffer_size + 3));
    auto producer = world.run(peer("bb_producer").variant(size.variant).interactive());
    auto consumer = world.run(student("bb_consumer").variant(size.variant).args({std::to_string(items.size())}));
    producer.write_stdin(lines(items, 0, static_cast<std::size_t>(k)));

    // It takes the k items there are: out == in == k.
    std::optional<State> state;
    bool took = CheckWorld::wait_until([&] {
      state = read_state(world, size.buffer_size);
      return (state && state->in == k && state->out == k) || consumer.process().finished();
    }, 3s) && state && state->in == k && state->out == k;
    if (!took) {
      std::string got = state ? describe(*state, items) : "no /dev/shm/SYSUOS_bb";
      if (consumer.process().finished()) {
        got = "your bb_consumer " + it_ended(consumer).substr(3) + " before the producer made its items";
        if (auto wrong = compare_items(items, consumer.stdout_text())) got += ": " + *wrong;
        got += " — it must wait while in == out";
      }
      labgrade::fail_check(consumer.failure(fmt::format("{}, after the producer made {} item{} and paused, your bb_consumer to take them (out == in == {})",
                                                        size_note(size), k, k == 1 ? "" : "s", k),
                                            got));
    }
    // Then it waits: the buffer is empty (in == out), nothing more to take.
    std::optional<State> later;
    bool moved = CheckWorld::wait_until([&] {
      later = read_state(world, size.buffer_size);
      return !later || later->out != k || consumer.process().finished();
    }, 200ms);
    if (moved) {
      std::string got = later ? fmt::format("out moved on to {} while in == {}: it took items that were never produced (garbage)", later->out, later->in)
                              : "the object disappeared";
      if (consumer.process().finished()) got = fmt::format("your bb_consumer {} with {} of {} items", it_ended(consumer).substr(3), k, items.size());
      labgrade::fail_check(consumer.failure(fmt::format("{}: your bb_consumer to wait while the buffer is empty (in == out == {})", size_note(size), k),
                                            got));
    }
    // The producer resumes: the consumer gets the rest, all in order.
    producer.write_stdin(lines(items, static_cast<std::size_t>(k)));
    producer.close_stdin();
    consumer.exits(0);
    producer.exits(0);
    expect_items(consumer, items, "your bb_consumer", size_note(size));
  }
}

TEST_F(BoundedBuffer, ItemsArriveInOrder) {
  for (const Size& size : k_sizes) {
    // Enough to wrap around the buffer many times; fewer at small sizes, where
    // every item may cost a context switch on a busy machine.
    const auto items = random_items(static_cast<std::size_t>(std::clamp(200 * size.buffer_size, 400, 3000)));
    {  // the student's producer, the reference consumer started first
      auto world = new_world();
      auto consumer = world.run(peer("bb_consumer").variant(size.variant).args({std::to_string(items.size())}));
      auto producer = world.run(student("bb_producer").variant(size.variant).stdin_text(lines(items)));
      producer.exits(0).hint(fmt::format("{}, fed {} items: your producer must put them all and exit 0; wait only "
                                         "while the buffer is full, ((in + 1) % BUFFER_SIZE) == out",
                                         size_note(size), items.size()));
      consumer.exits(0).hint(fmt::format("{}: your producer's items never all arrived: does it move `in` for every item?",
                                         size_note(size)));
      expect_items(consumer, items, "the reference bb_consumer, fed by your bb_producer,", size_note(size));
    }
    {  // the reference producer started first, the student's consumer
      auto world = new_world();
      auto producer = world.run(peer("bb_producer").variant(size.variant).stdin_text(lines(items)));
      auto consumer = world.run(student("bb_consumer").variant(size.variant).args({std::to_string(items.size())}));
      consumer.exits(0).hint(fmt::format("{}, asked for {} items: your consumer must take them all and exit 0; wait "
                                         "only while the buffer is empty, in == out",
                                         size_note(size), items.size()));
      expect_items(consumer, items, "your bb_consumer", size_note(size));
      producer.exits(0);
    }
  }
}

// How far a program has read its stdin (a file: its offset), 0 when unknown.
std::size_t stdin_offset(labgrade::Run& program) {
  auto info = labgrade::read_proc_file(fmt::format("/proc/{}/fdinfo/0", program.process().pid()));
  if (!info || info->rfind("pos:", 0) != 0) return 0;
  return std::strtoull(info->c_str() + 4, nullptr, 10);
}

// How a program spent `seconds` (/proc/<pid>/schedstat): the share asleep
// (neither on a CPU nor waiting for one) and the share waiting for a CPU.
struct TimeShares {
  double asleep = 0;
  double waiting_for_cpu = 0;
};

TimeShares time_shares(labgrade::Run& program, double seconds) {
  auto times = labgrade::read_proc_file(fmt::format("/proc/{}/schedstat", program.process().pid()));
  if (!times || seconds <= 0) return {};
  std::istringstream in(*times);
  double on_cpu_ns = 0, waiting_ns = 0;
  if (!(in >> on_cpu_ns >> waiting_ns)) return {};
  return {std::max(0.0, 1.0 - (on_cpu_ns + waiting_ns) / 1e9 / seconds), waiting_ns / 1e9 / seconds};
}

// While the items pass: once the pace so far (the producer's offset in its
// input) would take more than three times the limit, and one of the pair has
// slept most of the time, the verdict is known: a sleep in a wait loop.
// Returns the largest share of the time either program waited for a CPU.
double fail_at_a_sleeping_pace(labgrade::Run& consumer, labgrade::Run& producer, std::size_t input_bytes,
                               std::chrono::seconds limit) {
  const auto awaiting = consumer.awaiting();  // the check only looks until the consumer ends
  const auto start = std::chrono::steady_clock::now();
  double starved = 0;
  for (;;) {
    if (consumer.process().wait_for(250ms)) return starved;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (labgrade::Run* program : {&consumer, &producer}) {
      if (!program->process().finished()) starved = std::max(starved, time_shares(*program, elapsed).waiting_for_cpu);
    }
    if (elapsed < 1.0) continue;
    if (elapsed >= static_cast<double>(limit.count())) return starved;
    const std::size_t read = stdin_offset(producer);
    if (producer.process().finished() || read == 0 ||
        elapsed * static_cast<double>(input_bytes) / static_cast<double>(read) < 3.0 * static_cast<double>(limit.count()))
      continue;
    for (labgrade::Run* program : {&consumer, &producer}) {
      const double asleep = time_shares(*program, elapsed).asleep;
      if (asleep < 0.5) continue;
      Failure failure = program->failure(
          fmt::format("1,000,000 items to pass within {} s (BUFFER_SIZE 10)", limit.count()),
          fmt::format("after {:.1f} s only about {} items had passed, and {} had been asleep {:.0f}% of the time: at that "
                      "pace the items take about {:.0f} s", elapsed, read / 8, program->program().who(), 100 * asleep,
                      elapsed * static_cast<double>(input_bytes) / static_cast<double>(read)));
      failure.hint = "busy-wait (an empty loop or sched_yield()): a wait loop that sleeps even a millisecond each turn "
                     "takes minutes for a million items";
      labgrade::fail_check(std::move(failure));
    }
  }
}

TEST_F(BoundedBuffer, MillionItemsInTime) {
  // The input is written while the world is made and the consumer starts.
  auto written = std::async(std::launch::async, [] { return random_seven_digit_lines(1000000); });
  std::optional<labgrade::InputFile> input;  // once written (a shared handle: every attempt reads it afresh)
  // A busy-waiting pair is fast only with a core each: no other such check
  // at once. A pair that timed out while it waited for a CPU a third of the
  // time or more (a busy machine, not its code) is timed once more, with the
  // limit stretched by the share of the CPU it had (at most 30 s).
  std::chrono::duration<double> limit = 10s;
  for (int attempt = 1;; ++attempt) {
    auto world = new_world_with_cores_to_itself();
    auto consumer = world.run(student("bb_consumer").args({"1000000"}).time_limit(limit).stdout_to_file());
    if (!input) input = written.get();
    auto producer = world.run(student("bb_producer").stdin_file(*input).time_limit(limit));
    const double starved = fail_at_a_sleeping_pace(consumer, producer, input->bytes().size(), 10s);
    const labgrade::ProcessResult& ended = consumer.wait();
    if (attempt == 1 && ended.ending == labgrade::ProcessResult::Ending::timed_out && ended.stuck.empty() && starved >= 1.0 / 3) {
      limit = std::min<std::chrono::duration<double>>(30s, 10s / std::max(0.34, 1.0 - starved));
      continue;
    }
    consumer.exits(0).hint(
        "1,000,000 items must pass in 10 s: busy-wait (an empty loop or sched_yield()); "
        "a loop that sleeps even a millisecond each turn takes minutes");
    if (consumer.stdout_text() != input->bytes()) {  // the common case at memcmp speed; else explain
      expect_items(consumer, items_in(input->bytes()), "your bb_consumer", "1,000,000 items, BUFFER_SIZE 10");
    }
    producer.exits(0);
    return;
  }
}

TEST_F(BoundedBuffer, WaitsWithoutSleeping) {
  {  // the student's producer alone: the buffer fills, and it waits for room
    auto world = new_world();
    const auto items = random_items(15);
    auto producer = world.run(student("bb_producer").stdin_text(lines(items)));
    expect_busy_wait(world, producer, [](const State& s) { return s.in == 9 && s.out == 0; },
                     "your bb_producer, fed 15 items alone, to fill the buffer and busy-wait for room, never sleeping");
    producer.kill();
  }
  {  // the student's consumer alone: the buffer is empty, and it waits for items
    auto world = new_world();
    auto consumer = world.run(student("bb_consumer").args({"5"}));
    expect_busy_wait(world, consumer, [](const State& s) { return s.in == 0 && s.out == 0; },
                     "your bb_consumer, started alone, to busy-wait for items while the buffer is empty, never sleeping");
    consumer.kill();
  }
}

TEST_F(BoundedBuffer, ProducerLeavesObject) {
  auto world = new_world();
  const auto items = random_items(5);
  world.run(student("bb_producer").stdin_text(lines(items))).exits(0);
  const auto state = read_state(world, 10);
  if (!state || state->in != 5) {
    labgrade::fail_check(Failure{"after your bb_producer has put 5 items in and exited, /dev/shm/SYSUOS_bb to hold them (in == 5) for the consumer",
                                 state ? describe(*state, items) : fmt::format("/dev/shm holds {}", world.shm_listing()),
                                 "", false});
  }
  auto consumer = world.run(peer("bb_consumer").args({"5"}));
  consumer.exits(0);
  expect_items(consumer, items, "the reference bb_consumer, started after your bb_producer had exited,", "BUFFER_SIZE 10");
}

TEST_F(BoundedBuffer, ProducerPutsItemsAsTheyCome) {
  auto world = new_world();
  const auto items = random_items(3);
  auto producer = world.run(student("bb_producer").interactive());
  producer.write_stdin(lines(items));  // three lines, and its input stays open
  std::optional<State> state;
  const bool produced = producer.await_until([&] {
    state = read_state(world, 10);
    return (state && state->in == 3) || producer.process().finished();
  }, 3s) && state && state->in == 3;
  if (!produced) {
    labgrade::fail_check(Failure{
        "your bb_producer, given 3 items while its input stays open, to put them into the buffer at once (in == 3)",
        producer.process().finished() ? it_ended(producer) + " before its input ended"
        : state ? fmt::format("after 3 s: {} — it waits for the end of its input before it produces", describe(*state, items))
                : "after 3 s there is no /dev/shm/SYSUOS_bb yet — it waits for the end of its input before it starts",
        "", false});
  }
  producer.close_stdin();
  producer.exits(0);
}

TEST_F(BoundedBuffer, ConsumerUsage) { expect_rejects_bad_count("bb_consumer", "usage: %s N"); }

TEST_F(BoundedBuffer, ConsumerRemovesObject) {
  auto world = new_world();
  const auto items = random_items(20);
  world.run(reference("bb_producer").stdin_text(lines(items, 0, 5))).exits(0);
  world.run(student("bb_consumer").args({"5"})).exits(0);
  world.expect_shm_empty();
}

}  // namespace
