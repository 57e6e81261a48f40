/* mutant producer-null-attributes: producer creates the queue with NULL attributes: the system defaults (mq_maxmsg 10, mq_msgsize 8192 on Linux) instead of 10 and 256 */
/*
 * mq_producer.c - reference solution for the posix-mq lab.
 *
 * Reads lines "PRIORITY TEXT" from stdin and sends each TEXT as one message,
 * with that priority, to the POSIX message queue "/SYSUOS_mq":
 *
 *   - PRIORITY is a decimal number 0..31, written right at the start of the
 *     line;
 *   - TEXT is everything after the first space, up to (not including) the
 *     newline: 1..255 printable bytes, spaces allowed, also at its start and
 *     its end. The message is TEXT's bytes exactly: no NUL, no newline.
 *
 * The queue is created if it does not exist yet (either program may start
 * first), with mode 0666 and the attributes mq_maxmsg = 10,
 * mq_msgsize = 256. The descriptor is blocking, so mq_send waits while the
 * queue holds 10 messages. At end of input the program exits 0, leaving the
 * queue (and the messages in it) for mq_consumer, which removes it.
 *
 * A line that does not fit the format is reported on stderr with its line
 * number, and the program exits 1 (after the messages before it were sent).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o mq_producer mq_producer.c -lrt -lpthread
 */
#include <errno.h>
#include <fcntl.h>    /* O_CREAT, O_WRONLY */
#include <mqueue.h>   /* mq_open, mq_send, mq_close */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h> /* mode constants */
#include <sys/types.h>

#define QUEUE_NAME "/SYSUOS_mq"
#define MAX_MSG 10      /* mq_maxmsg: messages the queue holds at most */
#define MSG_SIZE 256    /* mq_msgsize: the largest message, in bytes */
#define MAX_TEXT 255    /* the longest TEXT the lab sends */
#define MAX_PRIO 31     /* priorities 0..31 (POSIX guarantees 32) */

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s < lines   (each line: PRIORITY TEXT)\n", prog);
    exit(2);
}

/* Splits one line (its newline already removed, len bytes) into its
 * priority and its text. Returns NULL and sets *why if the line is not
 * "PRIORITY TEXT". */
static const char *parse_line(const char *line, size_t len, unsigned *prio,
                              size_t *text_len, const char **why)
{
    size_t i = 0;
    unsigned long p = 0;

    if (len == 0 || line[0] < '0' || line[0] > '9') {
        *why = "the line does not start with a priority";
        return NULL;
    }
    while (i < len && line[i] >= '0' && line[i] <= '9') {
        p = p * 10 + (unsigned long)(line[i] - '0');
        if (p > MAX_PRIO) {
            *why = "the priority is not in 0..31";
            return NULL;
        }
        i++;
    }
    if (i == len || line[i] != ' ') {
        *why = "no space after the priority";
        return NULL;
    }
    i++; /* the first space separates PRIORITY from TEXT; any others belong to TEXT */
    if (len - i < 1 || len - i > MAX_TEXT) {
        *why = "TEXT must be 1..255 bytes long";
        return NULL;
    }
    if (memchr(line + i, '\0', len - i) != NULL) {
        *why = "TEXT contains a NUL byte";
        return NULL;
    }
    *prio = (unsigned)p;
    *text_len = len - i;
    return line + i;
}

int main(int argc, char *argv[])
{
    if (argc != 1)
        usage(argv[0]);

    /* blocking (no O_NONBLOCK): mq_send waits while the queue is full */
    mqd_t mq = mq_open(QUEUE_NAME, O_CREAT | O_WRONLY, 0666, NULL);
    if (mq == (mqd_t)-1) {
        perror("mq_open(" QUEUE_NAME ")");
        exit(1);
    }

    /* getline returns each line as soon as it has arrived, whatever its
     * length: a message is sent before the next line is read */
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    while ((got = getline(&line, &cap, stdin)) != -1) {
        lineno++;
        size_t len = (size_t)got;
        if (len > 0 && line[len - 1] == '\n')
            len--; /* the newline ends the line: it is not part of TEXT */
        if (len == 0)
            continue; /* tolerate an empty line */

        unsigned prio;
        size_t text_len;
        const char *why = NULL;
        const char *text = parse_line(line, len, &prio, &text_len, &why);
        if (text == NULL) {
            fprintf(stderr, "mq_producer: line %lu: %s: %.*s\n", lineno, why,
                    (int)len, line);
            exit(1);
        }

        /* TEXT's bytes exactly: text_len bytes, no NUL, no newline */
        if (mq_send(mq, text, text_len, prio) == -1) {
            perror("mq_send");
            exit(1);
        }
    }
    if (ferror(stdin)) {
        perror("mq_producer: reading stdin");
        exit(1);
    }
    free(line);

    if (mq_close(mq) == -1) {
        perror("mq_close");
        exit(1);
    }

    /* no mq_unlink: the messages must stay for the consumer, which removes
     * the queue when it is done */
    return 0;
}
