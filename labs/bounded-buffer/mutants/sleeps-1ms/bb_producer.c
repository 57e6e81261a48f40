/* mutant sleeps-1ms: both programs sleep 1 ms (usleep(1000)) in their wait loops instead of busy-waiting: correct, but each full or empty buffer costs a millisecond, and 1,000,000 items take minutes */
/*
 * bb_producer.c - reference solution for the bounded-buffer lab.
 *
 * Reads integers from stdin, one per line, and puts each one into the
 * circular buffer in the POSIX shared memory object SHM_NAME ("/SYSUOS_bb"),
 * in order, as the producer loop on the slides does:
 *
 *     while (((in + 1) % BUFFER_SIZE) == out)
 *         ;    // do nothing: the buffer is full
 *     buffer[in] = next_produced;
 *     in = (in + 1) % BUFFER_SIZE;
 *
 * Each item is produced as soon as its line has arrived: input that comes
 * slowly through a pipe is not read to its end first. At end of input the
 * program exits 0 and leaves the object for bb_consumer, which removes it.
 * Either program may start first: both create the object if it is missing
 * (a new object is all zeros, so in == out == 0: empty).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -I. -o bb_producer bb_producer.c -lrt -lpthread
 *        (add -DBUFFER_SIZE=N for another buffer size)
 */
#include <errno.h>
#include <fcntl.h>    /* O_CREAT, O_RDWR */
#include <limits.h>   /* INT_MIN, INT_MAX */
#include <sched.h>    /* sched_yield */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h> /* shm_open, mmap, munmap */
#include <sys/stat.h> /* mode constants */
#include <unistd.h>   /* ftruncate, close */

#include "bounded_buffer.h"

/* One turn of a busy-wait loop. Giving the CPU away costs little when the
 * consumer runs on another core, and lets it run at once when both share one
 * core (a plain spin would burn the whole time slice there). */
static void wait_a_little(void)
{
    usleep(1000);
}

/* Parses one line holding a decimal int (surrounding blanks allowed).
 * Returns 1 and stores it in *value, 0 for a blank line, -1 for garbage. */
static int parse_item(const char *line, item *value)
{
    char *end;
    const char *p = line;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\n' || *p == '\r' || *p == '\0')
        return 0;

    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno == ERANGE || v < INT_MIN || v > INT_MAX)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (*end != '\0')
        return -1;

    *value = (item)v;
    return 1;
}

int main(void)
{
    /* create the shared memory object, or open it if the consumer already
     * has (no O_TRUNC: that would wipe a consumer's view of in and out) */
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

    /* fgets returns each line as soon as it has arrived: an item is put into
     * the buffer before the next line is read */
    char line[128];
    unsigned long lineno = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        lineno++;
        item next_produced;
        int r = parse_item(line, &next_produced);
        if (r == 0)
            continue;
        if (r < 0) {
            fprintf(stderr, "bb_producer: line %lu: not an int: %s",
                    lineno, line);
            exit(1);
        }

        /* only this process writes in */
        int in = shm->in;

        /* busy-wait while the buffer is full; the acquire load orders our
         * write into buffer[in] after the consumer's read of it */
        while (((in + 1) % BUFFER_SIZE) ==
               __atomic_load_n(&shm->out, __ATOMIC_ACQUIRE))
            wait_a_little();

        shm->buffer[in] = next_produced;
        /* release: the item is stored before the consumer can see in move */
        __atomic_store_n(&shm->in, (in + 1) % BUFFER_SIZE, __ATOMIC_RELEASE);
    }
    if (ferror(stdin)) {
        perror("bb_producer: reading stdin");
        exit(1);
    }

    if (munmap(shm, sizeof(shared_data)) == -1) {
        perror("munmap");
        exit(1);
    }

    /* no shm_unlink: the consumer may still be taking items out; it removes
     * the object when it is done */
    return 0;
}
