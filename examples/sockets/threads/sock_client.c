/*
 * sock_client.c - sockets lab, with stdio on the socket.
 *
 * The connected socket is wrapped in two FILEs: one for writing (fdopen on
 * the socket) and one for reading (fdopen on a dup of it), since a single
 * FILE must not switch between reading and writing without a seek, which a
 * socket cannot do. Each line of stdin is sent with fputs and pushed out with
 * fflush; the reply is read with fgets until a piece ends in '\n' (a reply
 * longer than the buffer comes in several pieces) and printed with fputs.
 * stdout is flushed (and checked) at the end.
 *
 * fgets with an 8 KiB buffer: a line of stdin is at most 4 KiB, but a longer
 * one would only come in pieces, each sent as it is; the reply is awaited
 * once the piece holding the '\n' has been sent.
 *
 * At end of input both FILEs are closed: that closes the connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int ends_line(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && s[n - 1] == '\n';
}

int main(int argc, char **argv)
{
    char *end;
    long port = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc != 2 || end == argv[1] || *end != '\0') {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    if (port < 1 || port > 65535) {
        fprintf(stderr, "%s: bad port %s\n", argv[0], argv[1]);
        return 1;
    }

    signal(SIGPIPE, SIG_IGN); /* a vanished server: fflush fails instead */

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = inet_addr("127.0.0.1");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == -1) {
        perror("connect");
        return 1;
    }

    int fd2 = dup(fd);
    FILE *to = fdopen(fd, "w");
    FILE *from = fd2 == -1 ? NULL : fdopen(fd2, "r");
    if (to == NULL || from == NULL) {
        perror("fdopen");
        return 1;
    }

    char line[8192], reply[8192];
    while (fgets(line, sizeof line, stdin) != NULL) {
        if (fputs(line, to) == EOF) {
            perror("send");
            return 1;
        }
        if (!ends_line(line))
            continue; /* the rest of a long line follows */
        if (fflush(to) == EOF) {
            perror("send");
            return 1;
        }
        do {
            if (fgets(reply, sizeof reply, from) == NULL) {
                fprintf(stderr, "%s: no reply from the server\n", argv[0]);
                return 1;
            }
            fputs(reply, stdout);
        } while (!ends_line(reply));
    }

    if (fclose(to) == EOF || fclose(from) == EOF) {
        perror("close");
        return 1;
    }
    if (fflush(stdout) == EOF || ferror(stdout)) {
        perror("stdout");
        return 1;
    }
    return 0;
}
