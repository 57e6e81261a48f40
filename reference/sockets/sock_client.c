/*
 * sock_client.c - reference solution for the sockets lab.
 *
 * Usage: sock_client [--chunk BYTES] PORT
 *
 * Connects to the TCP server on 127.0.0.1:PORT. For each line of its stdin
 * (the bytes up to and including '\n') it sends the line, reads that line's
 * reply (the bytes up to and including the next '\n' from the server) and
 * prints it on stdout. At end of input it closes the connection and exits 0.
 * If it cannot connect, it says why on stderr (perror) and exits 1 at once:
 * no retry.
 *
 * TCP is a byte stream: a reply may come in several reads (and a read may
 * end anywhere), so the client reads until it has seen the reply's '\n',
 * printing each piece as it comes. Bytes that came after that '\n' (the
 * reference server never sends any) are kept for the next reply. Sends loop
 * over short writes; calls interrupted by a signal (EINTR) are retried.
 *
 * Lines may be of any length: a line is passed on as it arrives on stdin,
 * piece by piece, and the client waits for a reply only once it has sent the
 * line's '\n'. Each reply is written to stdout with write(2) as soon as it
 * arrives (no stdio buffer), so whoever reads our stdout sees it at once. An
 * unfinished last line (no '\n' before end of input) is sent too; the client
 * then shuts down its sending side and prints what the server sends until it
 * closes.
 *
 * Errors: a PORT that is missing or not a number is a usage error (message on
 * stderr, exit 2); a PORT out of range, a failed connect and any other failed
 * call are reported on stderr with exit 1, and so is a server that closes the
 * connection before a reply is complete.
 *
 * --chunk BYTES (used by the grader, not part of the lab): each line is sent
 * in writes of at most BYTES bytes, 10 ms apart, so that the server gets a
 * long line in several reads.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sock_client sock_client.c -lrt -lpthread
 */
#include <arpa/inet.h>  /* htons, htonl */
#include <errno.h>
#include <netinet/in.h> /* struct sockaddr_in, INADDR_LOOPBACK */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>     /* memchr, memmove, strcmp */
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>       /* nanosleep */
#include <unistd.h>     /* read, write, close */

#define BUF_SIZE 65536

/* --chunk: the largest single send, 0 for no limit */
static size_t chunk = 0;

/* bytes from the server not printed yet (they follow a reply's '\n') */
static char reply_buf[BUF_SIZE];
static size_t reply_have = 0;

static void fail(const char *what)
{
    perror(what);
    exit(1);
}

/* Writes all n bytes of buf to fd: write may write fewer bytes than asked
 * (a short write), so loop until everything is out. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Sends n bytes of a line to the server: at once, or with --chunk in pieces
 * of at most chunk bytes, 10 ms apart. */
static void send_bytes(int sock, const char *buf, size_t n)
{
    while (n > 0) {
        size_t piece = (chunk > 0 && n > chunk) ? chunk : n;
        if (write_all(sock, buf, piece) == -1)
            fail("write to server");
        buf += piece;
        n -= piece;
        if (n > 0 && chunk > 0) {
            struct timespec pause = {0, 10 * 1000 * 1000};
            while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
                ;
        }
    }
}

/* Reads from the server until the end of one reply (its '\n'), printing
 * every byte of it on stdout as it comes. */
static void print_reply(int sock)
{
    for (;;) {
        char *nl = memchr(reply_buf, '\n', reply_have);
        size_t n = nl ? (size_t)(nl - reply_buf) + 1 : reply_have;
        if (write_all(STDOUT_FILENO, reply_buf, n) == -1)
            fail("write to stdout");
        memmove(reply_buf, reply_buf + n, reply_have - n);
        reply_have -= n;
        if (nl)
            return; /* the whole reply is out */

        ssize_t r = read(sock, reply_buf, sizeof reply_buf);
        if (r == -1) {
            if (errno == EINTR)
                continue;
            fail("read from server");
        }
        if (r == 0) {
            fprintf(stderr, "sock_client: the server closed the connection "
                            "before its reply was complete\n");
            exit(1);
        }
        reply_have = (size_t)r;
    }
}

/* After an unfinished last line: prints everything the server still sends
 * until it closes the connection. */
static void print_rest(int sock)
{
    for (;;) {
        if (write_all(STDOUT_FILENO, reply_buf, reply_have) == -1)
            fail("write to stdout");
        reply_have = 0;
        ssize_t r = read(sock, reply_buf, sizeof reply_buf);
        if (r == -1) {
            if (errno == EINTR)
                continue;
            fail("read from server");
        }
        if (r == 0)
            return;
        reply_have = (size_t)r;
    }
}

/* s as a number from 1 to max: -1 if it is not a number at all, 0 if it is
 * a number out of that range. */
static long parse_number(const char *s, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return -1;
    if (errno == ERANGE || v < 1 || v > max)
        return 0;
    return v;
}

int main(int argc, char *argv[])
{
    int arg = 1;
    if (argc - arg == 3 && strcmp(argv[arg], "--chunk") == 0) {
        long c = parse_number(argv[arg + 1], BUF_SIZE);
        if (c <= 0) {
            fprintf(stderr, "%s: --chunk %s: not a size (1 to %d)\n",
                    argv[0], argv[arg + 1], BUF_SIZE);
            exit(2);
        }
        chunk = (size_t)c;
        arg += 2;
    }
    if (argc - arg != 1 || parse_number(argv[arg], 65535) == -1) {
        fprintf(stderr, "usage: %s PORT < lines\n", argv[0]);
        exit(2);
    }
    long port = parse_number(argv[arg], 65535);
    if (port == 0) {
        fprintf(stderr, "%s: %s: not a port number (1 to 65535)\n", argv[0],
                argv[arg]);
        exit(1);
    }

    /* a server that has gone away would kill us with SIGPIPE on the next
     * write: let write fail with EPIPE instead, and say so */
    signal(SIGPIPE, SIG_IGN);

    int sock = socket(AF_INET, SOCK_STREAM, 0);
    if (sock == -1)
        fail("socket");

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 */
    addr.sin_port = htons((unsigned short)port);
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) == -1) {
        /* no server there (ECONNREFUSED): say so and stop, no retry */
        perror("connect");
        exit(1);
    }

    static char in[BUF_SIZE]; /* a piece of stdin */
    int unfinished = 0;       /* sent part of a line, not its '\n' yet */
    for (;;) {
        ssize_t n = read(STDIN_FILENO, in, sizeof in);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            fail("read stdin");
        }
        if (n == 0)
            break; /* end of input */

        /* send every complete line and wait for its reply */
        size_t start = 0;
        char *nl;
        while ((nl = memchr(in + start, '\n', (size_t)n - start)) != NULL) {
            size_t end = (size_t)(nl - in) + 1;
            send_bytes(sock, in + start, end - start);
            print_reply(sock);
            start = end;
            unfinished = 0;
        }
        /* the start of a line whose '\n' has not come yet: send it now */
        if (start < (size_t)n) {
            send_bytes(sock, in + start, (size_t)n - start);
            unfinished = 1;
        }
    }

    if (unfinished) {
        /* the last line has no '\n': tell the server that nothing more
         * comes, and print its answer until it closes */
        if (shutdown(sock, SHUT_WR) == -1)
            fail("shutdown");
        print_rest(sock);
    }

    if (close(sock) == -1)
        fail("close");
    return 0;
}
