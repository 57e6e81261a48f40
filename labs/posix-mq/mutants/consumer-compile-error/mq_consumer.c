/* mutant consumer-compile-error: consumer does not compile: a missing semicolon after the declaration of prio */
/*
 * mq_consumer.c - reference solution for the posix-mq lab.
 *
 * Usage:
 *   mq_consumer N             receive N messages and print each as
 *                             "PRIORITY TEXT" (the lab contract)
 *   mq_consumer --lengths N   print "PRIORITY LENGTH TEXT" instead, LENGTH
 *                             being the size mq_receive returned (used by
 *                             the grader to check that a producer sends
 *                             TEXT's bytes exactly: no NUL, no newline)
 *
 * Opens the POSIX message queue "/SYSUOS_mq", creating it if it does not
 * exist yet (either program may start first) with mode 0666 and the
 * attributes mq_maxmsg = 10, mq_msgsize = 256. It receives exactly N
 * messages, waiting while the queue is empty; the queue hands them out
 * highest priority first, and in the order they were sent among equal
 * priorities. A message is not a C string: it is printed with the length
 * mq_receive returned. Then the queue is closed and removed (mq_unlink),
 * and the program exits 0.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o mq_consumer mq_consumer.c -lrt -lpthread
 */
#include <errno.h>
#include <fcntl.h>    /* O_CREAT, O_RDONLY */
#include <mqueue.h>   /* mq_open, mq_getattr, mq_receive, mq_close, mq_unlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h> /* mode constants */
#include <sys/types.h>

#define QUEUE_NAME "/SYSUOS_mq"
#define MAX_MSG 10      /* mq_maxmsg */
#define MSG_SIZE 256    /* mq_msgsize */

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--lengths] N   (N = number of messages to receive, N >= 0)\n",
            prog);
    exit(2);
}

int main(int argc, char *argv[])
{
    int lengths = 0;
    const char *count;

    if (argc == 2) {
        count = argv[1];
    } else if (argc == 3 && strcmp(argv[1], "--lengths") == 0) {
        lengths = 1;
        count = argv[2];
    } else {
        usage(argv[0]);
    }

    char *end;
    errno = 0;
    long long n = strtoll(count, &end, 10);
    if (end == count || *end != '\0' || errno == ERANGE || n < 0)
        usage(argv[0]);

    struct mq_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.mq_maxmsg = MAX_MSG;
    attr.mq_msgsize = MSG_SIZE;

    /* open the queue, or create it if the producer has not started yet */
    mqd_t mq = mq_open(QUEUE_NAME, O_CREAT | O_RDONLY, 0666, &attr);
    if (mq == (mqd_t)-1) {
        perror("mq_open(" QUEUE_NAME ")");
        exit(1);
    }

    /* mq_receive needs a buffer of at least mq_msgsize bytes (EMSGSIZE
     * otherwise). Ask the queue: if another program created it with other
     * attributes, ours were ignored. */
    if (mq_getattr(mq, &attr) == -1) {
        perror("mq_getattr");
        exit(1);
    }
    size_t bufsize = (size_t)attr.mq_msgsize;
    char *buf = malloc(bufsize);
    if (buf == NULL) {
        perror("malloc");
        exit(1);
    }

    for (long long i = 0; i < n; i++) {
        unsigned prio
        /* waits while the queue is empty (blocking descriptor) */
        ssize_t len = mq_receive(mq, buf, bufsize, &prio);
        if (len == -1) {
            perror("mq_receive");
            exit(1);
        }
        /* the message holds len bytes and no terminating NUL: print exactly
         * those bytes (stdout is usually a pipe: stdio buffers it) */
        int ok;
        if (lengths)
            ok = printf("%u %zd ", prio, len) >= 0;
        else
            ok = printf("%u ", prio) >= 0;
        if (!ok || fwrite(buf, 1, (size_t)len, stdout) != (size_t)len ||
            putchar('\n') == EOF) {
            perror("mq_consumer: writing stdout");
            exit(1);
        }
    }

    if (fflush(stdout) == EOF) {
        perror("mq_consumer: writing stdout");
        exit(1);
    }
    free(buf);

    if (mq_close(mq) == -1) {
        perror("mq_close");
        exit(1);
    }

    /* remove the queue: /dev/mqueue/SYSUOS_mq disappears. If another
     * program has already removed its name (a producer must not, but the
     * grader runs this program as the peer of students' producers), say so
     * but do not fail: this program did its part, and the grader reports
     * the producer's mistake on its own. */
    if (mq_unlink(QUEUE_NAME) == -1) {
        if (errno == ENOENT) {
            fprintf(stderr, "mq_unlink(" QUEUE_NAME "): the queue was already removed by another process\n");
        } else {
            perror("mq_unlink(" QUEUE_NAME ")");
            exit(1);
        }
    }

    return 0;
}
