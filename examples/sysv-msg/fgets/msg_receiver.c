/* msg_receiver.c: receives N messages (of type MSGTYP, default 0) from the
 * System V message queue ftok("SYSUOS", 'q'), prints "TYPE TEXT" for each,
 * then removes the queue. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>

struct msgbuf_lab {
    long mtype;
    char mtext[256];
};

int main(int argc, char *argv[])
{
    char *end = NULL;
    long n = argc >= 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc < 2 || argc > 3 || end == argv[1] || *end != '\0' || n < 0) {
        fprintf(stderr, "usage: %s N [MSGTYP]\n", argv[0]);
        exit(2);
    }
    long msgtyp = (argc == 3) ? atol(argv[2]) : 0;

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

    struct msgbuf_lab msg;
    for (int i = 0; i < n; i++) {
        if (msgrcv(msqid, &msg, sizeof(msg.mtext), msgtyp, 0) == -1) {
            perror("msgrcv");
            exit(1);
        }
        printf("%ld %s\n", msg.mtype, msg.mtext);
    }

    if (msgctl(msqid, IPC_RMID, NULL) == -1) {
        perror("msgctl");
        exit(1);
    }
    return 0;
}
