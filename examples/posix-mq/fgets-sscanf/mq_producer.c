/* mq_producer.c: reads "PRIORITY TEXT" lines and sends each TEXT to the
 * POSIX message queue /SYSUOS_mq with that priority. */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QUEUE_NAME "/SYSUOS_mq"

int main(void)
{
    struct mq_attr attr;
    attr.mq_flags = 0;
    attr.mq_maxmsg = 10;
    attr.mq_msgsize = 256;
    attr.mq_curmsgs = 0;

    mqd_t mq = mq_open(QUEUE_NAME, O_CREAT | O_WRONLY, 0666, &attr);
    if (mq == (mqd_t)-1) {
        perror("mq_open");
        exit(1);
    }

    char line[512];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        unsigned int prio;
        int pos; /* how many characters the priority took */

        /* %n, not " %[^\n]": a space in the format would also eat the
         * spaces at the start of the text */
        if (sscanf(line, "%u%n", &prio, &pos) != 1 || line[pos] != ' ') {
            fprintf(stderr, "bad line: %s", line);
            exit(1);
        }
        char *text = line + pos + 1; /* right after the first space */
        text[strcspn(text, "\n")] = '\0'; /* fgets keeps the newline */

        /* send the text's bytes only: no '\0', no '\n' */
        if (mq_send(mq, text, strlen(text), prio) == -1) {
            perror("mq_send");
            exit(1);
        }
    }

    mq_close(mq);
    return 0;
}
