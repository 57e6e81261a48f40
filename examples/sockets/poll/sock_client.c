/*
 * sock_client.c - sockets lab, lines in with getline(), replies byte by byte.
 *
 * Each line of stdin is read with getline() (any length) and sent with a
 * write loop (write may send fewer bytes than asked). The reply is read one
 * byte at a time until its '\n': slower than a buffer, but it can never read
 * past the end of the reply, so there is nothing to keep for later. Each byte
 * goes to stdout through stdio, flushed when the program exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            perror("write");
            exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
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
    signal(SIGPIPE, SIG_IGN);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((unsigned short)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == -1) {
        perror("connect");
        return 1;
    }

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        write_all(fd, line, (size_t)len);
        if (line[len - 1] != '\n')
            break; /* an unfinished last line: nothing to wait for */
        char c = 0;
        while (c != '\n') {
            ssize_t r = read(fd, &c, 1);
            if (r == -1 && errno == EINTR)
                continue;
            if (r != 1) {
                if (r == -1)
                    perror("read");
                else
                    fprintf(stderr, "%s: the server closed the connection\n",
                            argv[0]);
                return 1;
            }
            putchar(c);
        }
    }
    free(line);

    if (close(fd) == -1) {
        perror("close");
        return 1;
    }
    if (fflush(stdout) == EOF) {
        perror("stdout");
        return 1;
    }
    return 0;
}
