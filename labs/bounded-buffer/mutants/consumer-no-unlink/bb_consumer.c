/* mutant consumer-no-unlink: consumer never calls shm_unlink: the object stays in /dev/shm */
/*
 * bb_consumer.c - reference solution for the bounded-buffer lab.
 *
 * Usage: bb_consumer N
 *
 * Takes exactly N items out of the circular buffer in the POSIX shared
 * memory object SHM_NAME ("/SYSUOS_bb"), in order, as the consumer loop on
 * the slides does:
 *
 *     while (in == out)
 *         ;    // do nothing: the buffer is empty
 *     next_consumed = buffer[out];
 *     out = (out + 1) % BUFFER_SIZE;
 *
 * and prints each item as a decimal number on its own line. Then it removes
 * the object with shm_unlink and exits 0. Either program may start first:
 * both create the object if it is missing (a new object is all zeros, so
 * in == out == 0: empty).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -I. -o bb_consumer bb_consumer.c -lrt -lpthread
 *        (add -DBUFFER_SIZE=N for another buffer size)
 */
#include <errno.h>
#include <fcntl.h>    /* O_CREAT, O_RDWR */
#include <sched.h>    /* sched_yield */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h> /* shm_open, shm_unlink, mmap, munmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>   /* ftruncate, close */

#include "bounded_buffer.h"

/* One turn of a busy-wait loop: see bb_producer.c. */
static void wait_a_little(void)
{
    sched_yield();
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s N   (N = number of items to take, N >= 0)\n",
            prog);
    exit(2);
}

int main(int argc, char *argv[])
{
    if (argc != 2)
        usage(argv[0]);

    char *end;
    errno = 0;
    long long n = strtoll(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || errno == ERANGE || n < 0)
        usage(argv[0]);

    /* open the object, or create it if the producer has not started yet */
    int fd = shm_open(SHM_NAME, O_CREAT | O_RDWR, 0666);
    if (fd == -1) {
        perror("shm_open(" SHM_NAME ")");
        exit(1);
    }

    /* a new object is 0 bytes long; giving an existing object the same
     * size again changes nothing in it */
    if (ftruncate(fd, sizeof(shared_data)) == -1) {
        perror("ftruncate");
        exit(1);
    }

    shared_data *shm = mmap(NULL, sizeof(shared_data),
                            PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shm == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }

    if (close(fd) == -1) {
        perror("close");
        exit(1);
    }

    for (long long i = 0; i < n; i++) {
        /* only this process writes out */
        int out = shm->out;

        /* busy-wait while the buffer is empty; the acquire load makes the
         * producer's write into buffer[out] visible before we read it */
        while (__atomic_load_n(&shm->in, __ATOMIC_ACQUIRE) == out)
            wait_a_little();

        item next_consumed = shm->buffer[out];
        /* release: the item is read before the producer may overwrite it */
        __atomic_store_n(&shm->out, (out + 1) % BUFFER_SIZE, __ATOMIC_RELEASE);

        /* stdout is usually a pipe: stdio buffers it, which is fast */
        if (printf("%d\n", next_consumed) < 0) {
            perror("bb_consumer: writing stdout");
            exit(1);
        }
    }

    if (fflush(stdout) == EOF) {
        perror("bb_consumer: writing stdout");
        exit(1);
    }

    if (munmap(shm, sizeof(shared_data)) == -1) {
        perror("munmap");
        exit(1);
    }


    return 0;
}
