/*
 * shm_consumer.c - posix-shm lab, starter file.
 *
 * Open the existing POSIX shared memory object "SYSUOS" read-only, map it,
 * print "ptr addr: <pointer>", then "Read ptr: " followed by the string
 * stored in the object, remove the object with shm_unlink() and exit 0.
 * If the object does not exist: print an error to stderr, exit 1, and
 * create nothing. See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o shm_consumer shm_consumer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_* constants */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* shm_open, shm_unlink, mmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>

int main(void)
{
    /* size (in bytes) of the shared memory object */
    const int SIZE = 4096;
    /* name of the shared memory object */
    const char *name = "SYSUOS";
    /* shared memory file descriptor */
    int fd = -1;
    /* pointer to the shared memory object */
    char *ptr = NULL;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)SIZE; (void)name; (void)fd; (void)ptr;

    /* TODO 1: open the existing object with shm_open(), read-only
     *         (no O_CREAT: a consumer must not create the object).
     *         If it fails: print an error to stderr (perror() does) and
     *         exit(1). */

    /* TODO 2: map it with mmap(): SIZE bytes, PROT_READ, MAP_SHARED
     *         (the protection must match the read-only descriptor).
     *         mmap() returns MAP_FAILED (not NULL) on error. */

    /* TODO 3: print the address of the mapping: "ptr addr: %p\n" */

    /* TODO 4: print "Read ptr: " followed by the string stored in the
     *         object, as it is stored (it ends with its own newline).
     *         Print what is in memory: the grader's producer writes a
     *         different message each time. */

    /* TODO 5: remove the object with shm_unlink(), then exit 0. */

    return 0;
}
