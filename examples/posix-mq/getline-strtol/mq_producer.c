// mq_producer.c -- posix-mq lab
// Reads lines "PRIORITY TEXT" from stdin; sends TEXT to /SYSUOS_mq.
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(void)
{
    struct mq_attr attr = { .mq_maxmsg = 10, .mq_msgsize = 256 };
    mqd_t q = mq_open("/SYSUOS_mq", O_CREAT | O_RDWR, 0666, &attr);
    if (q == (mqd_t)-1)
        die("mq_open");

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';

        char *end;
        errno = 0;
        long prio = strtol(line, &end, 10);
        if (end == line || errno != 0 || *end != ' ' || prio < 0 || prio > 31) {
            fprintf(stderr, "mq_producer: bad line '%s'\n", line);
            return 1;
        }
        const char *text = end + 1;
        size_t len = (size_t)(line + n - text);   // bytes after the first space

        if (mq_send(q, text, len, (unsigned)prio) < 0)   // blocks while full
            die("mq_send");
    }
    free(line);

    if (mq_close(q) < 0)
        die("mq_close");
    return 0;
}
