/* mutant receiver-prints-nul: receiver prints the text with fwrite and the size msgrcv returned, which counts the text's NUL: a NUL byte is printed before every newline */
/*
 * msg_receiver.c - reference solution for the sysv-msg lab.
 *
 * Usage: msg_receiver N [MSGTYP]
 *
 * Gets the System V message queue with the key ftok("SYSUOS", 'q') (the file
 * SYSUOS must exist in the current directory), creating it if it does not
 * exist yet (mode 0666), and receives exactly N messages with
 * msgrcv(msqid, &m, 256, MSGTYP, 0), waiting while there is none to take.
 * MSGTYP (default 0) chooses which message msgrcv takes:
 *
 *   MSGTYP == 0   the first message in the queue (the order they were sent);
 *   MSGTYP  > 0   the first message of type MSGTYP (others stay queued);
 *   MSGTYP  < 0   the first message of the lowest type <= |MSGTYP|.
 *
 * Each message is printed as "TYPE TEXT" on its own line. Then the queue is
 * removed (msgctl IPC_RMID) and the program exits 0.
 *
 * Also a judge of senders (the grader runs it as the peer of students'
 * msg_sender): every message must be sent with the size strlen(mtext) + 1,
 * that is its text and the text's terminating NUL. If msgrcv returns another
 * size (or the message is longer than 256 bytes), it prints
 *   size mismatch: got N bytes for "TEXT" (expected strlen+1 = M)
 * on stderr and exits 3.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o msg_receiver msg_receiver.c -lrt -lpthread
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>   /* ftok, IPC_CREAT, IPC_RMID */
#include <sys/msg.h>   /* msgget, msgrcv, msgctl */
#include <sys/types.h> /* key_t */

#define MSG_SIZE 256 /* the size of mtext: TEXT (1..255 bytes) and its NUL */

struct msgbuf_lab {
    long mtype;            /* message type, >= 1 */
    char mtext[MSG_SIZE];  /* TEXT and its terminating NUL */
};

/* ftok() arguments: must be the sender's */
static const char *const key_path = "SYSUOS";
static const int key_id = 'q';

/* exit status for a message whose size is not strlen(text) + 1 */
#define EXIT_SIZE_MISMATCH 3

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s N [MSGTYP]   (N = number of messages to receive, N >= 0;\n"
                    "       MSGTYP = 0: any type, > 0: that type, < 0: lowest type <= |MSGTYP|)\n",
            prog);
    exit(2);
}

/* parses a whole decimal number (no trailing garbage, no overflow) */
static int parse_long(const char *text, long long *value)
{
    char *end;
    errno = 0;
    *value = strtoll(text, &end, 10);
    return end != text && *end == '\0' && errno != ERANGE;
}

int main(int argc, char *argv[])
{
    long long n, t = 0;

    if (argc < 2 || argc > 3)
        usage(argv[0]);
    if (!parse_long(argv[1], &n) || n < 0)
        usage(argv[0]);
    if (argc == 3 && !parse_long(argv[2], &t))
        usage(argv[0]);
    long msgtyp = (long)t;

    /* generate the same key as the sender */
    key_t key = ftok(key_path, key_id);
    if (key == (key_t)-1) {
        fprintf(stderr, "ftok(\"%s\", '%c'): %s (does the file %s exist in the current directory?)\n",
                key_path, key_id, strerror(errno), key_path);
        exit(1);
    }

    /* get the queue, or create it if the sender has not started yet */
    int msqid = msgget(key, 0666 | IPC_CREAT);
    if (msqid == -1) {
        perror("msgget");
        exit(1);
    }

    for (long long i = 0; i < n; i++) {
        struct msgbuf_lab m;
        memset(&m, 0, sizeof m);

        /* msgflg 0: wait while there is no message of the wanted type */
        ssize_t got = msgrcv(msqid, &m, MSG_SIZE, msgtyp, 0);
        int too_long = 0;
        if (got == -1 && errno == E2BIG) {
            /* the message is longer than 256 bytes and is still queued:
             * take it, cut to 256 bytes, to report it */
            too_long = 1;
            got = msgrcv(msqid, &m, MSG_SIZE, msgtyp, MSG_NOERROR);
        }
        if (got == -1) {
            perror("msgrcv");
            exit(1);
        }

        /* the text runs to its first NUL (or to the end of what arrived) */
        size_t text_len = strnlen(m.mtext, (size_t)got);
        if (too_long || (size_t)got != text_len + 1) {
            if (too_long)
                fprintf(stderr, "size mismatch: got more than %d bytes", MSG_SIZE);
            else
                fprintf(stderr, "size mismatch: got %zd bytes", got);
            fprintf(stderr, " for \"%.*s\" (expected strlen+1 = %zu)\n",
                    (int)text_len, m.mtext, text_len + 1);
            exit(EXIT_SIZE_MISMATCH);
        }

        /* stdout is usually a pipe: stdio buffers it */
        if (printf("%ld ", m.mtype) < 0 ||
            fwrite(m.mtext, 1, (size_t)got, stdout) != (size_t)got ||
            putchar('\n') == EOF) {
            perror("msg_receiver: writing stdout");
            exit(1);
        }
    }

    if (fflush(stdout) == EOF) {
        perror("msg_receiver: writing stdout");
        exit(1);
    }

    /* remove the queue: a System V queue stays (ipcs -q) until IPC_RMID.
     * If another process has already removed it, say so but do not fail:
     * this program did its part, and the grader reports the other
     * program's mistake on its own. */
    if (msgctl(msqid, IPC_RMID, NULL) == -1) {
        if (errno == EINVAL || errno == EIDRM) {
            fprintf(stderr, "msgctl(IPC_RMID): the queue was already removed by another process\n");
        } else {
            perror("msgctl(IPC_RMID)");
            exit(1);
        }
    }

    return 0;
}
