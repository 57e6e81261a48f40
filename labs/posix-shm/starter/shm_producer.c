/*
 * shm_producer.c - posix-shm lab, starter file.
 *
 * Create the POSIX shared memory object "SYSUOS", make it 4096 bytes long,
 * map it, write msg (with its terminating NUL) at offset 0, print
 * "ptr addr: <pointer>" and exit 0. Leave the object in place: the consumer
 * removes it. See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o shm_producer shm_producer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_* constants */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* shm_open, mmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>   /* ftruncate */

int main(void)
{
    /* size (in bytes) of the shared memory object */
    const int SIZE = 4096;
    /* name of the shared memory object */
    const char *name = "SYSUOS";
    /* string written to shared memory */
    const char *msg = "Hello, World!\n";
    /* shared memory file descriptor */
    int fd = -1;
    /* pointer to the shared memory object */
    char *ptr = NULL;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)SIZE; (void)name; (void)msg; (void)fd; (void)ptr;

    /* TODO 1: create the shared memory object with shm_open(): read and
     *         write access, created if missing, mode 0666.
     *         On failure: perror() and exit(1). */

    /* TODO 2: set its size to SIZE bytes with ftruncate()
     *         (a new object is 0 bytes long). Check for errors. */

    /* TODO 3: map it with mmap(): SIZE bytes, PROT_READ | PROT_WRITE,
     *         MAP_SHARED. mmap() returns MAP_FAILED (not NULL) on error. */

    /* TODO 4: print the address of the mapping: "ptr addr: %p\n" */

    /* TODO 5: write msg, followed by its terminating NUL, at offset 0. */

    /* TODO 6: (optional) munmap() and close(). Do NOT call shm_unlink():
     *         the object must still exist after this program exits. */

    return 0;
}
