// msg_sender.c -- sysv-msg lab, reads "TYPE TEXT" lines with scanf
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
    key_t key;
    int id;
    struct msgbuf_lab m;

    if ((key = ftok("SYSUOS", 'q')) == -1) {
        perror("ftok");
        return 1;
    }
    if ((id = msgget(key, 0666 | IPC_CREAT)) == -1) {
        perror("msgget");
        return 1;
    }

    // %ld skips the newline left by the previous line. Then exactly one
    // space, then the text up to the newline: %[^\n] does not skip blanks
    // (a " %[^\n]" would drop the text's leading spaces, and "%s" would
    // stop at its first space).
    while (scanf("%ld", &m.mtype) == 1) {
        if (getchar() != ' ' || scanf("%255[^\n]", m.mtext) != 1) {
            fprintf(stderr, "msg_sender: bad line (type %ld)\n", m.mtype);
            return 1;
        }
        if (msgsnd(id, &m, strlen(m.mtext) + 1, 0) == -1) {
            perror("msgsnd");
            return 1;
        }
    }
    return 0;
}
