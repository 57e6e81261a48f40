// msg_receiver.c -- sysv-msg lab: msg_receiver N [MSGTYP]
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>

struct msgbuf_lab {
    long mtype;
    char mtext[256];
};

int main(int argc, char **argv)
{
    int n;
    long type = 0;

    if (argc < 2 || sscanf(argv[1], "%d", &n) != 1 ||
        (argc == 3 && sscanf(argv[2], "%ld", &type) != 1) || argc > 3) {
        fprintf(stderr, "usage: msg_receiver N [MSGTYP]\n");
        return 2;
    }

    key_t key = ftok("SYSUOS", 'q');
    if (key == -1) {
        perror("ftok");
        return 1;
    }
    int id = msgget(key, 0666 | IPC_CREAT);
    if (id == -1) {
        perror("msgget");
        return 1;
    }

    while (n-- > 0) {
        struct msgbuf_lab m;
        // 256 = the size of mtext, without mtype; msgflg 0 waits
        if (msgrcv(id, &m, 256, type, 0) < 0) {
            perror("msgrcv");
            return 1;
        }
        printf("%ld %s\n", m.mtype, m.mtext);
    }

    if (msgctl(id, IPC_RMID, 0) < 0) {
        perror("msgctl(IPC_RMID)");
        return 1;
    }
    return 0;
}
