/*
 * sock_server.c - sockets lab, starter file.
 *
 * Usage: sock_server PORT
 *
 * A TCP server on 127.0.0.1:PORT. For every line a client sends (the bytes
 * up to and including '\n', at most 64 KiB) it writes back the same line
 * with every ASCII lowercase letter ('a'..'z') made uppercase, every other
 * byte unchanged. It serves several clients at once (here: a child process
 * per client, with fork), reaps its children, and exits 0 on SIGTERM.
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sock_server sock_server.c -lrt -lpthread
 */
#include <arpa/inet.h>  /* htons, htonl */
#include <errno.h>      /* errno, EINTR */
#include <netinet/in.h> /* struct sockaddr_in, INADDR_LOOPBACK */
#include <signal.h>     /* sigaction, SIGCHLD, SIGTERM */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>     /* memset, memchr, memmove */
#include <sys/socket.h> /* socket, setsockopt, bind, listen, accept */
#include <sys/types.h>
#include <sys/wait.h>   /* waitpid, WNOHANG */
#include <unistd.h>     /* fork, read, write, close, _exit */

/* the longest line, its '\n' included */
#define MAX_LINE 65536

static void on_sigchld(int sig)
{
    (void)sig;
    /* TODO 1: reap every child that has ended:
     *         while (waitpid(-1, NULL, WNOHANG) > 0) ;
     *         (save errno before and restore it after: main may be
     *         about to read it) */
}

static void on_sigterm(int sig)
{
    (void)sig;
    /* TODO 2: end the server with status 0: _exit(0) */
}

/* Serves one client until it closes its end of the connection. */
static void serve_client(int fd)
{
    /* bytes received and not answered yet (the start of a line) */
    static char buf[MAX_LINE];
    size_t have = 0;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)fd; (void)buf; (void)have;

    /* TODO 3: loop:
     *   - read() from fd into buf + have (at most MAX_LINE - have bytes);
     *     -1 with errno EINTR: try again; 0: the client has closed: return;
     *   - for every '\n' now in buf: make the line up to and including it
     *     uppercase ('a'..'z' only) and write it back to fd. write() may
     *     write fewer bytes than asked: loop until all are out;
     *   - move what follows the last '\n' (an unfinished line) to the start
     *     of buf and keep it for the next read.
     * One read() may return part of a line, or several lines: never assume
     * that one read() is one line. */
}

int main(int argc, char *argv[])
{
    /* TODO: delete this line once you use the functions above */
    (void)on_sigchld; (void)on_sigterm; (void)serve_client;

    /* TODO 4: PORT is argv[1]. Without exactly one argument, or if it is
     *         not a number (strtol, then check *end == '\0'): print a usage
     *         message to stderr and exit(2). Never use a fixed port: the
     *         grader gives a different one each time. */

    /* TODO 5: install on_sigchld for SIGCHLD (sa_flags = SA_RESTART) and
     *         on_sigterm for SIGTERM with sigaction(). */

    /* TODO 6: socket(AF_INET, SOCK_STREAM, 0), then
     *         setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on)
     *         with int on = 1 (before bind!). */

    /* TODO 7: bind to 127.0.0.1:PORT (a struct sockaddr_in, zeroed, with
     *         sin_family = AF_INET, sin_port = htons(port) and
     *         sin_addr.s_addr = htonl(INADDR_LOOPBACK)), then listen().
     *         On an error: perror() and exit(1). */

    /* TODO 8: forever: accept() a client (-1 with errno EINTR: a signal
     *         interrupted it, just accept again), then fork():
     *         - child: close the listening socket, serve_client(client),
     *           close(client), exit(0);
     *         - parent: close(client) (the child has its own copy) and go
     *           back to accept(). */

    return 0;
}
