/* mutant sender-sizeof-struct: sender passes sizeof(m) (264: mtype included) as the size: every message is 264 bytes, too long for msgrcv(..., 256, ...), which fails with E2BIG */
/*
 * msg_sender.c - reference solution for the sysv-msg lab.
 *
 * Reads lines "TYPE TEXT" from stdin and sends each one as a message of type
 * TYPE to the System V message queue with the key ftok("SYSUOS", 'q') (the
 * file SYSUOS must exist in the current directory):
 *
 *   - TYPE is a decimal number >= 1, written right at the start of the line
 *     (msgsnd rejects type 0 and negative types with EINVAL);
 *   - TEXT is everything after the first space, up to (not including) the
 *     newline: 1..255 printable bytes, spaces allowed, also at its start and
 *     its end.
 *
 * The message is a struct msgbuf_lab { long mtype; char mtext[256]; } whose
 * mtext holds TEXT and its terminating NUL, and it is sent with the size
 * strlen(mtext) + 1: the size counts the bytes of mtext sent (the NUL
 * included), never the mtype field. The queue is created if it does not
 * exist yet (mode 0666). msgsnd waits while the queue is full. At end of
 * input the program exits 0, leaving the queue for msg_receiver, which
 * removes it.
 *
 * A line that does not fit the format is reported on stderr with its line
 * number, and the program exits 1 (after the messages before it were sent).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o msg_sender msg_sender.c -lrt -lpthread
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>   /* ftok, IPC_CREAT */
#include <sys/msg.h>   /* msgget, msgsnd */
#include <sys/types.h> /* key_t */

#define MAX_TEXT 255 /* the longest TEXT; mtext also holds its NUL */

struct msgbuf_lab {
    long mtype;       /* message type, >= 1 */
    char mtext[256];  /* TEXT and its terminating NUL */
};

/* ftok() arguments: an existing file and a project id */
static const char *const key_path = "SYSUOS";
static const int key_id = 'q';

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s < lines   (each line: TYPE TEXT, TYPE >= 1)\n", prog);
    exit(2);
}

/* Fills *m from one line (its newline already removed, len bytes). Returns
 * 0, or -1 and sets *why if the line is not "TYPE TEXT". */
static int parse_line(const char *line, size_t len, struct msgbuf_lab *m,
                      const char **why)
{
    size_t i = 0;
    long type = 0;

    if (len == 0 || line[0] < '0' || line[0] > '9') {
        *why = "the line does not start with a type";
        return -1;
    }
    while (i < len && line[i] >= '0' && line[i] <= '9') {
        int d = line[i] - '0';
        if (type > (LONG_MAX - d) / 10) {
            *why = "the type is too large";
            return -1;
        }
        type = type * 10 + d;
        i++;
    }
    if (type < 1) {
        *why = "the type must be >= 1";
        return -1;
    }
    if (i == len || line[i] != ' ') {
        *why = "no space after the type";
        return -1;
    }
    i++; /* the first space separates TYPE from TEXT; any others belong to TEXT */
    size_t text_len = len - i;
    if (text_len < 1 || text_len > MAX_TEXT) {
        *why = "TEXT must be 1..255 bytes long";
        return -1;
    }
    if (memchr(line + i, '\0', text_len) != NULL) {
        *why = "TEXT contains a NUL byte";
        return -1;
    }
    m->mtype = type;
    memcpy(m->mtext, line + i, text_len);
    m->mtext[text_len] = '\0';
    return 0;
}

int main(int argc, char *argv[])
{
    if (argc != 1)
        usage(argv[0]);

    /* generate the key of the queue from the file SYSUOS */
    key_t key = ftok(key_path, key_id);
    if (key == (key_t)-1) {
        fprintf(stderr, "ftok(\"%s\", '%c'): %s (does the file %s exist in the current directory?)\n",
                key_path, key_id, strerror(errno), key_path);
        exit(1);
    }

    /* create the queue (or get it if the receiver already has) */
    int msqid = msgget(key, 0666 | IPC_CREAT);
    if (msqid == -1) {
        perror("msgget");
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

        struct msgbuf_lab m;
        const char *why = NULL;
        if (parse_line(line, len, &m, &why) == -1) {
            fprintf(stderr, "msg_sender: line %lu: %s: %.*s\n", lineno, why,
                    (int)len, line);
            exit(1);
        }

        /* the size is that of the text sent, NUL included: not sizeof(m)
         * (that counts mtype too), not sizeof(m.mtext) (256 every time) */
        if (msgsnd(msqid, &m, sizeof(m), 0) == -1) {
            perror("msgsnd");
            exit(1);
        }
    }
    if (ferror(stdin)) {
        perror("msg_sender: reading stdin");
        exit(1);
    }
    free(line);

    /* no IPC_RMID: the messages must stay for the receiver, which removes
     * the queue when it is done */
    return 0;
}
