// Each diagnosis from what the grader saw: an error a program reported with
// perror, named by its errno with its usual cause; a SIGBUS with the object
// that was too short.
#include "labgrade/diagnosis.hpp"

#include <cerrno>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "labgrade/temp_dir.hpp"

namespace labgrade {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Diagnosis, ReadsPerrorsLineBackToItsErrno) {
  auto e = first_reported_error("waiting...\nshm_open: No such file or directory\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->call, "shm_open");
  EXPECT_EQ(e->number, ENOENT);
  EXPECT_EQ(e->name, "ENOENT");
  // A sentence of the student's own before the colon: the call is its last word.
  e = first_reported_error("error in mq_receive: Message too long\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->call, "mq_receive");
  EXPECT_EQ(e->name, "EMSGSIZE");
  EXPECT_FALSE(first_reported_error("usage: mq_consumer N\nnote: nothing\n"));
  // Only a C name is taken for the call: the program's own bytes never reach the report as they are.
  EXPECT_FALSE(first_reported_error("\033[31mshm_open: No such file or directory\n"));
  EXPECT_FALSE(first_reported_error(""));
}

TEST(Diagnosis, NamesTheUsualCauseOfAKnownFailure) {
  EXPECT_EQ(*perror_cause("mq_receive: Message too long\n"),
            "mq_receive failed with EMSGSIZE (Message too long): its buffer is smaller than the queue's mq_msgsize: "
            "ask mq_getattr for attr.mq_msgsize, allocate that many bytes and pass that size");
  EXPECT_THAT(*perror_cause("mq_timedreceive: Message too long\n"), HasSubstr("mq_msgsize"));
  EXPECT_THAT(*perror_cause("mmap: Permission denied\n"), HasSubstr("PROT_WRITE needs a descriptor opened O_RDWR"));
  EXPECT_THAT(*perror_cause("msgget: No such file or directory\n"), HasSubstr("ftok with the same file and project id"));
  EXPECT_THAT(*perror_cause("mkfifo: File exists\n"), HasSubstr("EEXIST is no error here"));
  // Unknown pairs still name the call and the errno.
  EXPECT_EQ(*perror_cause("semop: Invalid argument\n"),
            "semop failed with EINVAL (Invalid argument): its manual page (man semop) lists when it fails so");
  EXPECT_FALSE(perror_cause("it went wrong\n"));
}

TEST(Diagnosis, ASigbusNamesTheObjectThatIsTooShort) {
  TempDir shm("labgrade-test-");
  EXPECT_THAT(sigbus_cause(shm.path(), 1.0), HasSubstr("beyond the end of its object"));
  std::ofstream(shm.path() / "big") << std::string(8192, 'x');
  std::ofstream(shm.path() / "SYSUOS").flush();
  EXPECT_THAT(sigbus_cause(shm.path(), 1.0), StartsWith("/dev/shm/SYSUOS is 0 bytes long: a new object is empty until ftruncate"));
}

}  // namespace
}  // namespace labgrade
