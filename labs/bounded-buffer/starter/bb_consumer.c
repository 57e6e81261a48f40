/*
 * bb_consumer.c - bounded-buffer lab, starter file.
 *
 * Usage: bb_consumer N
 *
 * Take exactly N items out of the circular buffer of the shared memory object
 * SHM_NAME, in order, busy-waiting while the buffer is empty (the consumer
 * loop on the slides), and print each one as a decimal number on its own
 * line. Then remove the object with shm_unlink() and exit 0.
 * See README.md for the full contract and the checks.
 *
 * bounded_buffer.h defines BUFFER_SIZE, SHM_NAME, item and shared_data. Do
 * not change it, and never write 10 for BUFFER_SIZE: the grader also builds
 * your program with -DBUFFER_SIZE=2, 7 and 64.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -I. -o bb_consumer bb_consumer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_* constants */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h> /* shm_open, shm_unlink, mmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>   /* ftruncate, close */

#include "bounded_buffer.h"

int main(int argc, char *argv[])
{
    /* number of items to take */
    long n = 0;
    /* shared memory file descriptor */
    int fd = -1;
    /* pointer to the shared data: shm->in, shm->out, shm->buffer[...] */
    shared_data *shm = NULL;
    /* the item taken out of the buffer */
    item next_consumed = 0;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)argc; (void)argv; (void)n; (void)fd; (void)shm; (void)next_consumed;

    /* TODO 1: read N from argv[1]. If it is missing or not a number >= 0:
     *         print a usage message to stderr and exit(2). */

    /* TODO 2: open the shared memory object SHM_NAME with shm_open():
     *         O_CREAT | O_RDWR, mode 0666 (the consumer may start before
     *         the producer). On failure: perror() and exit(1). */

    /* TODO 3: set its size to sizeof(shared_data) with ftruncate()
     *         (the same size the producer gives it). */

    /* TODO 4: map it with mmap(): sizeof(shared_data) bytes,
     *         PROT_READ | PROT_WRITE, MAP_SHARED.
     *         mmap() returns MAP_FAILED (not NULL) on error. */

    /* TODO 5: N times, as on the slides:
     *           - busy-wait while the buffer is empty: in == out
     *           - take the item at buffer[out]
     *           - then advance out: out = (out + 1) % BUFFER_SIZE
     *           - print the item: printf("%d\n", next_consumed)
     *         Read buffer[out] only after the wait: before it, the slot
     *         holds an old value. */

    /* TODO 6: remove the object with shm_unlink(SHM_NAME), then exit 0. */

    return 0;
}
