// mq_consumer.c -- posix-mq lab
// Usage: mq_consumer N. Receives N messages from /SYSUOS_mq, prints
// "PRIORITY TEXT" for each, then closes and unlinks the queue.
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MSGSIZE 256

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    char *end;
    long count = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *end != '\0' || end == argv[1] || count < 0) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }

    struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = MSGSIZE };
    mqd_t q = mq_open("/SYSUOS_mq", O_CREAT | O_RDWR, 0666, &attr);
    if (q == (mqd_t)-1)
        die("mq_open");

    char msg[MSGSIZE + 1];   // one more byte for a '\0' of our own
    for (long i = 0; i < count; i++) {
        unsigned prio;
        ssize_t len = mq_receive(q, msg, MSGSIZE, &prio);
        if (len < 0)
            die("mq_receive");
        msg[len] = '\0';     // messages are not strings: terminate it here
        printf("%u %s\n", prio, msg);
    }

    if (mq_close(q) < 0)
        die("mq_close");
    if (mq_unlink("/SYSUOS_mq") < 0)
        die("mq_unlink");
    return 0;
}
