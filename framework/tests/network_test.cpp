// Worlds with a network of their own ([world] loopback = true): their
// loopback is up and theirs alone. A server in one world is reached from
// that world only; the grading machine's 127.0.0.1 and its other addresses
// are never reached; the grader sees a world's listening sockets, a
// program's sockets and its children not waited for.
#include "labgrade/socket_inspector.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "c_program.hpp"
#include "labgrade/temp_dir.hpp"
#include "labgrade/unique_fd.hpp"
#include "labgrade/world.hpp"

namespace labgrade {
namespace {

using namespace std::chrono_literals;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A server that answers one client ("pong") and, asked to, leaves a zombie
// child; a client that prints what it got or why it could not connect.
constexpr const char* k_programs = R"(
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static struct sockaddr_in address(const char *ip, int port) {
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(port); inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}
int main(int argc, char **argv) {
  int port = atoi(argv[2]);
  if (strcmp(argv[1], "serve") == 0) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = address("127.0.0.1", port);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 8) != 0) { perror("bind"); return 1; }
    if (argc > 3 && strcmp(argv[3], "zombie") == 0 && fork() == 0) _exit(0);  /* a child never waited for */
    int c = accept(s, NULL, NULL);
    write(c, "pong\n", 5);
    if (!(argc > 3 && strcmp(argv[3], "keep") == 0)) close(c);  /* "keep": the client's socket stays open here */
    pause();
  }
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = address(argc > 3 ? argv[3] : "127.0.0.1", port);
  if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) { printf("%s\n", strerror(errno)); return 1; }
  char reply[16] = {0};
  read(c, reply, sizeof reply - 1);
  printf("got %s", reply);
  return 0;
}
)";

class Network : public ::testing::Test {
 protected:
  void SetUp() override {
    if (detect_isolation() == Isolation::none) GTEST_SKIP() << "no namespaces: a world has no network of its own";
    if (!test::have_gcc()) GTEST_SKIP() << "no gcc";
    m_exe = test::compile_c(m_scratch.path(), "net", k_programs);
  }
  static WorldOptions with_loopback() {
    WorldOptions options;
    options.loopback = true;
    return options;
  }
  std::shared_ptr<Process> run(World& world, std::vector<std::string> args) {
    SpawnOptions options;
    options.argv = {m_exe.string()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.time_limit = 10.0;
    return world.spawn(options);
  }
  static bool wait_listening(pid_t pid, unsigned port) {
    for (int i = 0; i < 300; ++i) {
      if (listening_on(pid, port)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  TempDir m_scratch{"labgrade-test-"};
  std::filesystem::path m_exe;
};

TEST_F(Network, AWorldsLoopbackServesItsOwnClientsAndIsSeenFromOutside) {
  World world(with_loopback());
  auto server = run(world, {"serve", "40123", "zombie"});
  ASSERT_TRUE(wait_listening(server->pid(), 40123)) << server->wait().describe();
  EXPECT_THAT(listening_ports(server->pid()), ::testing::ElementsAre(40123u));
  EXPECT_TRUE(holds_listener(server->pid(), 40123));
  auto client = run(world, {"connect", "40123"});
  EXPECT_TRUE(client->wait().exited_with(0)) << client->stdout_text();
  EXPECT_EQ(client->stdout_text(), "got pong\n");
  EXPECT_EQ(open_sockets(server->pid()), 1) << "the listening socket only (the client's was closed)";
  EXPECT_EQ(open_connections(server->pid()), 0);
  for (int i = 0; i < 100 && zombie_children(server->pid()).empty(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(zombie_children(server->pid()).size(), 1u);
  server->kill();
}

// A server that never closes its side of a connection holds it (CLOSE_WAIT)
// after the client has gone.
TEST_F(Network, AConnectionTheServerKeepsIsCounted) {
  World world(with_loopback());
  auto server = run(world, {"serve", "40126", "keep"});
  ASSERT_TRUE(wait_listening(server->pid(), 40126));
  EXPECT_TRUE(run(world, {"connect", "40126"})->wait().exited_with(0));
  EXPECT_EQ(open_sockets(server->pid()), 2);
  EXPECT_EQ(open_connections(server->pid()), 1);
  EXPECT_TRUE(zombie_children(server->pid()).empty());
  server->kill();
}

// Two worlds alive at once: a server in one is not there for the other.
TEST_F(Network, WorldsNeverShareALoopback) {
  World first(with_loopback()), second(with_loopback());
  auto server = run(first, {"serve", "40124"});
  ASSERT_TRUE(wait_listening(server->pid(), 40124));
  EXPECT_TRUE(holds_listener(server->pid(), 40124));
  auto client = run(second, {"connect", "40124"});
  EXPECT_TRUE(client->wait().exited_with(1));
  EXPECT_EQ(client->stdout_text(), "Connection refused\n");
  server->kill();
}

// The grading machine's 127.0.0.1 and its other addresses stay out of reach.
TEST_F(Network, TheMachinesServicesAreNotReached) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  World world(with_loopback());
  auto local = run(world, {"connect", port});
  EXPECT_TRUE(local->wait().exited_with(1));
  EXPECT_EQ(local->stdout_text(), "Connection refused\n");
  auto outside = run(world, {"connect", "80", "192.0.2.1"});  // TEST-NET-1: any address that is not the loopback
  EXPECT_TRUE(outside->wait().exited_with(1));
  EXPECT_THAT(outside->stdout_text(), HasSubstr("Network is unreachable"));
  EXPECT_LT(::accept(listener.get(), nullptr, nullptr), 0) << "a world's program reached the machine's 127.0.0.1";
}

// Without loopback, a world's loopback is down: a program may bind, but
// nothing connects, not even from its own world.
TEST_F(Network, WithoutLoopbackAWorldHasNoNetworkAtAll) {
  World world(WorldOptions{});
  auto server = run(world, {"serve", "40125"});
  auto client = run(world, {"connect", "40125"});
  EXPECT_TRUE(client->wait().exited_with(1));
  EXPECT_THAT(client->stdout_text(), AnyOf(HasSubstr("Cannot assign requested address"), HasSubstr("Network is unreachable")));
  server->kill();
}

// [world] rpcbind = true: each world has a matchmaker of its own, ready when
// the world is, as its programs' user (told it is root, and still not).
TEST_F(Network, AWorldsRpcbindIsItsOwn) {
  const std::string rpcinfo = "/usr/sbin/rpcinfo";
  if (!std::filesystem::exists(rpcinfo)) GTEST_SKIP() << "rpcbind is not installed (scripts/setup.sh)";
  WorldOptions options;
  options.rpcbind = true;
  World first(options), second(options);
  for (World* world : {&first, &second}) {
    SpawnOptions ask;
    ask.argv = {rpcinfo, "-p", "localhost"};
    auto answer = world->spawn(ask);
    EXPECT_TRUE(answer->wait().exited_with(0)) << answer->stderr_text();
    EXPECT_THAT(answer->stdout_text(), HasSubstr("111  portmapper"));
  }
  World without(with_loopback());
  SpawnOptions ask;
  ask.argv = {rpcinfo, "-p", "localhost"};
  auto answer = without.spawn(ask);
  EXPECT_FALSE(answer->wait().exited_with(0)) << "no rpcbind in a world that did not ask for one";
  EXPECT_THAT(answer->stdout_text(), Not(HasSubstr("portmapper")));
}

}  // namespace
}  // namespace labgrade
