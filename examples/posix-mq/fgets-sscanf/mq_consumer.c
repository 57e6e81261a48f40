/* mq_consumer.c: receives N messages from /SYSUOS_mq, prints each as
 * "PRIORITY TEXT", then removes the queue. */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QUEUE_NAME "/SYSUOS_mq"

int main(int argc, char *argv[])
{
    int n;
    if (argc != 2 || sscanf(argv[1], "%d", &n) != 1 || n < 0) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        exit(2);
    }

    struct mq_attr attr;
    attr.mq_flags = 0;
    attr.mq_maxmsg = 10;
    attr.mq_msgsize = 256;
    attr.mq_curmsgs = 0;

    mqd_t mq = mq_open(QUEUE_NAME, O_CREAT | O_RDONLY, 0666, &attr);
    if (mq == (mqd_t)-1) {
        perror("mq_open");
        exit(1);
    }

    char buf[256]; /* mq_receive wants at least mq_msgsize bytes */
    for (int i = 0; i < n; i++) {
        unsigned int prio;
        ssize_t len = mq_receive(mq, buf, sizeof(buf), &prio);
        if (len == -1) {
            perror("mq_receive");
            exit(1);
        }
        /* the message has no '\0' at its end: print exactly len bytes */
        printf("%u %.*s\n", prio, (int)len, buf);
    }

    if (mq_close(mq) == -1) {
        perror("mq_close");
        exit(1);
    }
    if (mq_unlink(QUEUE_NAME) == -1) {
        perror("mq_unlink");
        exit(1);
    }
    return 0;
}
