/*
 * bb_producer.c - bounded-buffer lab, starter file.
 *
 * Read integers from stdin, one per line, and put each one into the circular
 * buffer of the shared memory object SHM_NAME, in order, busy-waiting while
 * the buffer is full (the producer loop on the slides). Exit 0 at the end of
 * the input and leave the object in place: the consumer removes it.
 * See README.md for the full contract and the checks.
 *
 * bounded_buffer.h defines BUFFER_SIZE, SHM_NAME, item and shared_data. Do
 * not change it, and never write 10 for BUFFER_SIZE: the grader also builds
 * your program with -DBUFFER_SIZE=2, 7 and 64.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -I. -o bb_producer bb_producer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_* constants */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h> /* shm_open, mmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>   /* ftruncate, close */

#include "bounded_buffer.h"

int main(void)
{
    /* shared memory file descriptor */
    int fd = -1;
    /* pointer to the shared data: shm->in, shm->out, shm->buffer[...] */
    shared_data *shm = NULL;
    /* the item read from stdin */
    item next_produced = 0;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)fd; (void)shm; (void)next_produced;

    /* TODO 1: open the shared memory object SHM_NAME with shm_open():
     *         O_CREAT | O_RDWR, mode 0666 (the consumer may have created it
     *         already: that is fine). On failure: perror() and exit(1). */

    /* TODO 2: set its size to sizeof(shared_data) with ftruncate().
     *         A new object is 0 bytes long, and all zeros once extended,
     *         so in == out == 0: the buffer starts empty. */

    /* TODO 3: map it with mmap(): sizeof(shared_data) bytes,
     *         PROT_READ | PROT_WRITE, MAP_SHARED.
     *         mmap() returns MAP_FAILED (not NULL) on error. */

    /* TODO 4: for each integer read from stdin (scanf("%d", ...) == 1, or
     *         fgets() + strtol()), as on the slides:
     *           - busy-wait while the buffer is full:
     *             ((in + 1) % BUFFER_SIZE) == out
     *           - store the item at buffer[in]
     *           - then advance in: in = (in + 1) % BUFFER_SIZE
     *         Put each item in as soon as it is read: do not read the whole
     *         input first. */

    /* TODO 5: exit 0 at the end of the input. Do NOT call shm_unlink():
     *         the consumer may still be taking items out. */

    return 0;
}
