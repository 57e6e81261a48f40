/*
 * msg_receiver.c - sysv-msg lab, starter file.
 *
 * Usage: msg_receiver N [MSGTYP]
 *
 * Get (or create) the System V message queue with the key
 * ftok("SYSUOS", 'q'), receive exactly N messages with
 * msgrcv(msqid, &msg, 256, MSGTYP, 0) (MSGTYP defaults to 0), waiting while
 * there is none to take, print each one as "TYPE TEXT" on its own line, then
 * remove the queue with msgctl(IPC_RMID) and exit 0.
 * See README.md for the full contract and the checks.
 *
 * The file SYSUOS must exist in the current directory (touch SYSUOS).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o msg_receiver msg_receiver.c -lrt -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>   /* ftok, IPC_CREAT, IPC_RMID */
#include <sys/msg.h>   /* msgget, msgrcv, msgctl */
#include <sys/types.h> /* key_t */

/* one message: its type, then its text and the text's '\0' */
struct msgbuf_lab {
    long mtype;
    char mtext[256];
};

int main(int argc, char *argv[])
{
    /* N and MSGTYP from the command line */
    long n = 0;
    long msgtyp = 0;
    /* key and identifier of the queue */
    key_t key = -1;
    int msqid = -1;
    /* the message being received */
    struct msgbuf_lab msg;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)argc; (void)argv; (void)n; (void)msgtyp; (void)key; (void)msqid; (void)msg;

    /* TODO 1: read N from argv[1] and, if given, MSGTYP from argv[2]
     *         (strtol: MSGTYP may be negative). If N is missing or not a
     *         number: print a usage message on stderr and exit(2). */

    /* TODO 2: key = ftok("SYSUOS", 'q') (the sender's key), then
     *         msqid = msgget(key, 0666 | IPC_CREAT) (either program may
     *         start first). Check both for -1: perror() and exit(1). */

    /* TODO 3: N times:
     *           - msgrcv(msqid, &msg, sizeof(msg.mtext), msgtyp, 0): the
     *             size is that of mtext (not of the whole struct), and
     *             msgflg 0 makes it wait while there is no message to take
     *             (not IPC_NOWAIT). It returns -1 on error;
     *           - print "TYPE TEXT": printf("%ld %s\n", msg.mtype, msg.mtext)
     *             (the sender sent the text's '\0' too). */

    /* TODO 4: remove the queue with msgctl(msqid, IPC_RMID, NULL) and
     *         exit 0. A System V queue is not removed when the programs
     *         exit: without IPC_RMID it stays (ipcs -q). */

    return 0;
}
