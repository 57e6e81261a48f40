/* msg_sender.c: reads "TYPE TEXT" lines and sends them to the System V
 * message queue with the key ftok("SYSUOS", 'q'). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>

struct msgbuf_lab {
    long mtype;
    char mtext[256];
};

int main(void)
{
    key_t key = ftok("SYSUOS", 'q');
    if (key == -1) {
        perror("ftok");
        exit(1);
    }
    int msqid = msgget(key, 0666 | IPC_CREAT);
    if (msqid == -1) {
        perror("msgget");
        exit(1);
    }

    char line[300];
    struct msgbuf_lab msg;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0'; /* drop the newline fgets keeps */

        char *space = strchr(line, ' ');
        if (space == NULL) {
            fprintf(stderr, "bad line: %s\n", line);
            exit(1);
        }
        *space = '\0';
        msg.mtype = atol(line);
        if (msg.mtype < 1) {
            fprintf(stderr, "bad type: %s\n", line);
            exit(1);
        }
        strcpy(msg.mtext, space + 1); /* the text: everything after the first space */

        /* the size of the text with its '\0', not of the whole struct */
        if (msgsnd(msqid, &msg, strlen(msg.mtext) + 1, 0) == -1) {
            perror("msgsnd");
            exit(1);
        }
    }
    return 0;
}
