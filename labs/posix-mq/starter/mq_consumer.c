/*
 * mq_consumer.c - posix-mq lab, starter file.
 *
 * Usage: mq_consumer N
 *
 * Open (or create) the POSIX message queue "/SYSUOS_mq" with the same
 * attributes as the producer, receive exactly N messages (waiting while the
 * queue is empty), print each one as "PRIORITY TEXT" on its own line, then
 * close the queue, remove it with mq_unlink() and exit 0.
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o mq_consumer mq_consumer.c -lrt -lpthread
 */
#include <fcntl.h>     /* O_CREAT, O_RDONLY, O_RDWR */
#include <mqueue.h>    /* mqd_t, mq_open, mq_receive, mq_close, mq_unlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>  /* mode constants */
#include <sys/types.h> /* ssize_t */

#define QUEUE_NAME "/SYSUOS_mq"
#define MSG_SIZE 256

int main(int argc, char *argv[])
{
    /* the number of messages to receive */
    long n = 0;
    /* the queue's attributes and descriptor */
    struct mq_attr attr;
    mqd_t mq = (mqd_t)-1;
    /* one message: mq_receive needs room for mq_msgsize (256) bytes */
    char buf[MSG_SIZE];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)argc; (void)argv; (void)n; (void)attr; (void)mq; (void)buf;

    /* TODO 1: read N from argv[1] (strtol). If it is missing or not a
     *         number: print a usage message on stderr and exit(2). */

    /* TODO 2: open the queue as the producer does, but for reading:
     *         mq_open(QUEUE_NAME, O_CREAT | O_RDONLY, 0666, &attr) with
     *         mq_maxmsg = 10 and mq_msgsize = 256 (either program may start
     *         first). On error ((mqd_t)-1): perror() and exit(1). */

    /* TODO 3: N times:
     *           - len = mq_receive(mq, buf, sizeof buf, &prio): it waits
     *             while the queue is empty and returns the message's length;
     *           - print the priority, a space, the len bytes of the message
     *             and a newline. The message has NO '\0' at its end: print
     *             exactly len bytes (printf("%u %.*s\n", prio, (int)len, buf)),
     *             not printf("%s", buf). */

    /* TODO 4: close the queue (mq_close), remove it with
     *         mq_unlink(QUEUE_NAME), and exit 0. */

    return 0;
}
