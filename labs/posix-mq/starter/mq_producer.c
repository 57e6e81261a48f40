/*
 * mq_producer.c - posix-mq lab, starter file.
 *
 * Read lines "PRIORITY TEXT" from stdin and send each TEXT as one message,
 * with that priority, to the POSIX message queue "/SYSUOS_mq". PRIORITY is
 * 0..31; TEXT is everything after the first space (1..255 bytes, spaces
 * allowed, also at its start), without the newline. Send TEXT's bytes
 * exactly: no '\0', no '\n'. Exit 0 at the end of the input and leave the
 * queue in place (no mq_unlink): the consumer removes it.
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o mq_producer mq_producer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_CREAT, O_WRONLY, O_RDWR */
#include <mqueue.h>   /* mqd_t, struct mq_attr, mq_open, mq_send, mq_close */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h> /* mode constants */

#define QUEUE_NAME "/SYSUOS_mq"

int main(void)
{
    /* the queue's attributes: mq_maxmsg and mq_msgsize */
    struct mq_attr attr;
    /* the queue's descriptor */
    mqd_t mq = (mqd_t)-1;
    /* one line of input: the priority (at most 2 digits), a space, up to
     * 255 bytes of text, the newline and fgets's '\0' fit in it */
    char line[512];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)attr; (void)mq; (void)line;

    /* TODO 1: fill attr: set it all to 0 (memset), then mq_maxmsg = 10 and
     *         mq_msgsize = 256. */

    /* TODO 2: open the queue with mq_open(QUEUE_NAME, O_CREAT | O_WRONLY,
     *         0666, &attr): created if it does not exist yet (the consumer
     *         may have created it first: that is fine). Do NOT add
     *         O_NONBLOCK: mq_send must wait while the queue is full.
     *         mq_open returns (mqd_t)-1 on error: perror() and exit(1). */

    /* TODO 3: for each line of stdin (fgets(line, sizeof line, stdin)):
     *           - read the priority at the start of the line; the text
     *             starts right after the FIRST space (keep any other spaces:
     *             they belong to the text). sscanf(line, "%u%n", &prio, &pos)
     *             gives the priority and where it ends;
     *           - remove the '\n' that fgets keeps at the end;
     *           - send the text's bytes: mq_send(mq, text, strlen(text), prio)
     *             (strlen, not strlen + 1: no '\0' in the message);
     *           - on error: perror() and exit(1). */

    /* TODO 4: at the end of the input, close the queue with mq_close() and
     *         exit 0. Do NOT call mq_unlink(): the messages must stay in
     *         the queue for the consumer. */

    return 0;
}
