/*
 * sock_server.c - reference solution for the sockets lab.
 *
 * Usage: sock_server [--split] PORT
 *
 * A TCP server on 127.0.0.1:PORT. For every line a client sends (the bytes up
 * to and including '\n', at most 64 KiB) it writes back the same line with
 * every ASCII lowercase letter made uppercase; every other byte is sent back
 * unchanged. When the client closes its end, the server closes the
 * connection.
 *
 * The structure is the textbook's concurrent server:
 *
 *   socket -> setsockopt(SO_REUSEADDR) -> bind(127.0.0.1:PORT) -> listen
 *   loop:  accept -> fork
 *            child:  closes the listening socket, serves its client, exits
 *            parent: closes the client's socket, accepts the next client
 *
 * - SO_REUSEADDR lets a new server bind PORT at once while connections of an
 *   old one still exist on it (a child still serving, or TIME_WAIT).
 * - The parent closes its copy of each client socket right after fork: the
 *   child has its own, and a copy kept by the parent would pile up (one
 *   descriptor per client ever served) and keep the connection from closing.
 * - The child closes its copy of the listening socket: a child still serving
 *   a client after the server has ended must not keep PORT listening.
 * - A SIGCHLD handler reaps every child that has ended (waitpid with WNOHANG
 *   in a loop: signals of the same type merge), so no zombie stays. SIGCHLD
 *   interrupts accept(); SA_RESTART restarts it, and the loop retries on EINTR
 *   anyway.
 * - On SIGTERM the server exits with status 0 (_exit in the handler: it is
 *   async-signal-safe and there is nothing to clean up). Children serving a
 *   client are not signalled: they finish with their client.
 *
 * A line may arrive in several reads (TCP is a byte stream: the boundaries
 * of the client's writes are not kept), and several lines may arrive in one
 * read. So each child collects bytes in a buffer and answers every complete
 * line in it; what follows the last '\n' waits for the next read. Replies are
 * written with a loop that goes on after a short write. Calls interrupted by
 * a signal (EINTR) are retried. An unfinished line the client leaves when it
 * closes is answered as it is; a line longer than 64 KiB (the contract rules
 * them out) is answered 64 KiB at a time.
 *
 * Errors: a PORT that is missing or not a number is a usage error (message on
 * stderr, exit 2); a PORT out of range or a failed socket call (bind: port in
 * use) is reported on stderr with exit 1. The server prints nothing else.
 *
 * --split (used by the grader, not part of the lab): each reply is written in
 * two pieces, 20 ms apart, so that a client gets it in more than one read.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sock_server sock_server.c -lrt -lpthread
 */
#include <arpa/inet.h>  /* htons, htonl */
#include <errno.h>
#include <netinet/in.h> /* struct sockaddr_in, INADDR_LOOPBACK */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>     /* memset, memmove, strcmp */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>   /* waitpid, WNOHANG */
#include <time.h>       /* nanosleep */
#include <unistd.h>     /* fork, read, write, close */

/* the longest line, its '\n' included */
#define MAX_LINE 65536

/* --split: write each reply in two pieces */
static int split_replies = 0;

/* Reaps every child that has ended. Several SIGCHLDs that arrive while one is
 * pending merge into one, so one run of the handler reaps all it can.
 * waitpid may change errno, which main may be about to read: keep it. */
static void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

/* SIGTERM ends the server with status 0. */
static void on_sigterm(int sig)
{
    (void)sig;
    _exit(0);
}

static void install(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;

    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    if (sigaction(sig, &sa, NULL) == -1) {
        perror("sigaction");
        exit(1);
    }
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

/* Makes every ASCII lowercase letter of buf[0..n) uppercase; other bytes are
 * left alone. */
static void uppercase(char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 'a' + 'A');
}

/* Sends the reply to one line (n bytes at buf, uppercased in place). */
static int reply(int fd, char *buf, size_t n)
{
    uppercase(buf, n);
    if (!split_replies || n < 2)
        return write_all(fd, buf, n);
    struct timespec pause = {0, 20 * 1000 * 1000};
    if (write_all(fd, buf, n / 2) == -1)
        return -1;
    while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
        ;
    return write_all(fd, buf + n / 2, n - n / 2);
}

/* Serves one client until it closes its end (read returns 0). */
static void serve_client(int fd)
{
    static char buf[MAX_LINE]; /* bytes received, not yet answered */
    size_t have = 0;           /* how many of them */

    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            perror("read");
            return;
        }
        if (n == 0) {
            /* the client has closed its end: answer an unfinished last
             * line as it is, and we are done */
            if (have > 0)
                reply(fd, buf, have);
            return;
        }

        /* answer every complete line in buf. The bytes kept from before
         * hold no '\n': look only at the new ones */
        size_t old = have;
        have += (size_t)n;
        size_t start = 0; /* the first byte not answered yet */
        for (size_t i = old; i < have; i++) {
            if (buf[i] == '\n') {
                if (reply(fd, buf + start, i + 1 - start) == -1) {
                    perror("write");
                    return;
                }
                start = i + 1;
            }
        }

        /* a full buffer without a '\n': a line longer than the contract
         * allows. Answer what we have rather than wait forever. */
        if (start == 0 && have == sizeof buf) {
            if (reply(fd, buf, have) == -1) {
                perror("write");
                return;
            }
            start = have;
        }

        /* keep the unfinished line at the start of buf */
        memmove(buf, buf + start, have - start);
        have -= start;
    }
}

/* PORT as a number: -1 if it is not a number at all, 0 if it is a number
 * but not a port (1..65535). */
static long parse_port(const char *s)
{
    char *end;
    errno = 0;
    long port = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return -1;
    if (errno == ERANGE || port < 1 || port > 65535)
        return 0;
    return port;
}

int main(int argc, char *argv[])
{
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "--split") == 0) {
        split_replies = 1;
        arg++;
    }
    if (argc - arg != 1 || parse_port(argv[arg]) == -1) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        exit(2);
    }
    long port = parse_port(argv[arg]);
    if (port == 0) {
        fprintf(stderr, "%s: %s: not a port number (1 to 65535)\n", argv[0],
                argv[arg]);
        exit(1);
    }

    /* a client that goes away before its reply is written would kill the
     * child with SIGPIPE: ignore it, and let write fail with EPIPE */
    install(SIGPIPE, SIG_IGN, 0);
    install(SIGCHLD, on_sigchld, SA_RESTART | SA_NOCLDSTOP);
    install(SIGTERM, on_sigterm, 0);

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener == -1) {
        perror("socket");
        exit(1);
    }

    /* without this, bind fails with EADDRINUSE while a connection of an
     * earlier server still exists on PORT (served by a child, or in
     * TIME_WAIT for a minute after it closed) */
    int on = 1;
    if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1) {
        perror("setsockopt(SO_REUSEADDR)");
        exit(1);
    }

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 */
    addr.sin_port = htons((unsigned short)port);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) == -1) {
        perror("bind");
        exit(1);
    }
    if (listen(listener, SOMAXCONN) == -1) {
        perror("listen");
        exit(1);
    }

    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client == -1) {
            /* EINTR: a signal (SIGCHLD) arrived while we waited;
             * ECONNABORTED, EPROTO: that client gave up before we took it */
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            perror("accept");
            exit(1);
        }

        pid_t pid = fork();
        if (pid == -1) {
            /* no child for this client: turn it away, keep serving */
            perror("fork");
            close(client);
            continue;
        }
        if (pid == 0) {
            /* child: serves this one client */
            close(listener);
            serve_client(client);
            close(client);
            exit(0);
        }

        /* parent: the child has its own copy of the client's socket */
        close(client);
    }
}
