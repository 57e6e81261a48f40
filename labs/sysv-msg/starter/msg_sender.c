/*
 * msg_sender.c - sysv-msg lab, starter file.
 *
 * Read lines "TYPE TEXT" from stdin (TYPE >= 1; TEXT is everything after the
 * first space, 1..255 bytes, spaces allowed, also at its start) and send
 * each one as a message of type TYPE to the System V message queue with the
 * key ftok("SYSUOS", 'q'), with the size strlen(text) + 1. Exit 0 at the end
 * of the input and leave the queue in place: the receiver removes it.
 * See README.md for the full contract and the checks.
 *
 * The file SYSUOS must exist in the current directory (touch SYSUOS).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o msg_sender msg_sender.c -lrt -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>   /* ftok, IPC_CREAT */
#include <sys/msg.h>   /* msgget, msgsnd */
#include <sys/types.h> /* key_t */

/* one message: its type, then its text and the text's '\0' */
struct msgbuf_lab {
    long mtype;
    char mtext[256];
};

int main(void)
{
    /* key and identifier of the queue */
    key_t key = -1;
    int msqid = -1;
    /* the message being sent */
    struct msgbuf_lab msg;
    /* one line of input */
    char line[512];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)key; (void)msqid; (void)msg; (void)line;

    /* TODO 1: key = ftok("SYSUOS", 'q'). It returns -1 on error (e.g.
     *         there is no file SYSUOS): perror() and exit(1). */

    /* TODO 2: get the queue, created if missing:
     *         msqid = msgget(key, 0666 | IPC_CREAT). On error (-1):
     *         perror() and exit(1). */

    /* TODO 3: for each line of stdin (fgets(line, sizeof line, stdin)):
     *           - remove the '\n' that fgets keeps;
     *           - msg.mtype = the number before the first space (>= 1:
     *             msgsnd refuses type 0);
     *           - copy everything after the first space into msg.mtext
     *             (keep the other spaces: they belong to the text);
     *           - msgsnd(msqid, &msg, strlen(msg.mtext) + 1, 0): the size
     *             counts the text and its '\0', NOT the mtype field, so not
     *             sizeof(msg);
     *           - on error: perror() and exit(1). */

    /* TODO 4: exit 0 at the end of the input. Do NOT remove the queue:
     *         the receiver needs the messages. */

    return 0;
}
