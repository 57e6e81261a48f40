/* mutant producer-wrong-size: producer sizes the object to 1024 bytes instead of 4096 */
/*
 * shm_producer.c - reference solution for the posix-shm lab.
 *
 * Creates the POSIX shared memory object "SYSUOS" (/dev/shm/SYSUOS on Linux),
 * sizes it to 4096 bytes, maps it and writes the NUL-terminated string
 * "Hello, World!\n" at offset 0. The object is left in place for
 * shm_consumer, which prints the message and removes the object.
 *
 * Usage:
 *   shm_producer                  write "Hello, World!\n" (the lab contract)
 *   shm_producer --message TEXT   write TEXT instead (used by the grader, which
 *                                 passes a random message when this program
 *                                 is the peer of a student's consumer)
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o shm_producer shm_producer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_CREAT, O_RDWR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* shm_open, mmap, munmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>   /* ftruncate, close */

/* size (in bytes) of the shared memory object */
#define SIZE 4096
/* name of the shared memory object; glibc also accepts "/SYSUOS" for it */
static const char *const name = "SYSUOS";
/* the message written when no --message is given */
static const char *const default_msg = "Hello, World!\n";

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--message TEXT]\n", prog);
    exit(2);
}

int main(int argc, char *argv[])
{
    const char *msg = default_msg;

    if (argc == 3 && strcmp(argv[1], "--message") == 0)
        msg = argv[2];
    else if (argc != 1)
        usage(argv[0]);

    /* the message and its terminating NUL must fit in the object */
    size_t len = strlen(msg);
    if (len + 1 > SIZE) {
        fprintf(stderr, "%s: message too long (%zu bytes, at most %d)\n",
                argv[0], len, SIZE - 1);
        exit(2);
    }

    /* create the shared memory object (or open it if it already exists) */
    int fd = shm_open(name, O_CREAT | O_RDWR, 0666);
    if (fd == -1) {
        perror("shm_open");
        exit(1);
    }

    /* configure the size of the shared memory object: a new object is
     * empty, and touching a mapping beyond its end raises SIGBUS */
    if (ftruncate(fd, 1024) == -1) {
        perror("ftruncate");
        exit(1);
    }

    /* memory map the shared memory object */
    char *ptr = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }

    /* the mapping keeps the object accessible: the descriptor is not needed */
    if (close(fd) == -1) {
        perror("close");
        exit(1);
    }

    printf("ptr addr: %p\n", (void *)ptr);

    /* write the message and its terminating NUL at offset 0 */
    memcpy(ptr, msg, len + 1);

    if (munmap(ptr, SIZE) == -1) {
        perror("munmap");
        exit(1);
    }

    /* no shm_unlink: the object must outlive this process so that
     * shm_consumer can read it */
    return 0;
}
