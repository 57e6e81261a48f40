/*
 * sock_server.c - sockets lab, one process serving every client with poll().
 *
 * No fork, no threads: a single loop waits in poll() on the listening socket
 * and on every client's socket, all of them non-blocking, and does whatever
 * is ready. Each client has
 *   - an input buffer of 64 KiB: the start of a line whose '\n' has not
 *     come yet. Only whole lines are answered; a line that comes in many
 *     pieces is answered once its '\n' is there;
 *   - an output buffer: replies not sent yet. A non-blocking send() may send
 *     only part of them (the socket's buffer is full when the client reads
 *     slowly): the rest waits for POLLOUT. While more than 64 KiB wait, the
 *     server stops reading from that client, so a client that sends without
 *     reading cannot make it grow without end.
 * When a client has closed its end (read returns 0) and all its replies are
 * out, its socket is closed.
 *
 * SIGTERM is blocked except inside ppoll(), which unblocks it and waits in
 * one atomic step: the handler only sets a flag, ppoll fails with EINTR, and
 * the loop exits with status 0. (A plain poll() could miss a SIGTERM that
 * arrives just before it is called.) send() uses MSG_NOSIGNAL: one client
 * gone away must not kill the server with SIGPIPE.
 */
#define _GNU_SOURCE /* ppoll, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE 65536

struct client {
    int fd;
    int closed_by_peer;     /* read returned 0 */
    size_t in_len;          /* bytes in in[] */
    char in[MAX_LINE];
    char *out;              /* replies not sent yet: out[out_off..out_len) */
    size_t out_off, out_len, out_cap;
};

static struct client **clients;
static size_t nclients, clients_cap;
static volatile sig_atomic_t term_seen;

static void on_sigterm(int sig)
{
    (void)sig;
    term_seen = 1;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Queues the reply to in[0..n): those bytes, lowercase letters uppercased. */
static void queue_reply(struct client *c, const char *line, size_t n)
{
    if (c->out_off > 0) { /* make room at the front first */
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        char *p = realloc(c->out, cap);
        if (p == NULL)
            die("realloc");
        c->out = p;
        c->out_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = line[i];
        c->out[c->out_len++] = (ch >= 'a' && ch <= 'z') ? ch - 32 : ch;
    }
}

/* Reads what the client has sent and queues a reply to each whole line.
 * Returns -1 if the connection is broken. */
static int client_read(struct client *c)
{
    ssize_t n = read(c->fd, c->in + c->in_len, MAX_LINE - c->in_len);
    if (n == -1)
        return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    if (n == 0) {
        c->closed_by_peer = 1;
        if (c->in_len > 0) /* an unfinished last line: answer it as it is */
            queue_reply(c, c->in, c->in_len);
        c->in_len = 0;
        return 0;
    }
    size_t scanned = c->in_len; /* bytes before these hold no '\n' */
    c->in_len += (size_t)n;
    size_t start = 0;
    for (size_t i = scanned; i < c->in_len; i++) {
        if (c->in[i] == '\n') {
            queue_reply(c, c->in + start, i + 1 - start);
            start = i + 1;
        }
    }
    if (start == 0 && c->in_len == MAX_LINE) { /* longer than 64 KiB */
        queue_reply(c, c->in, c->in_len);
        start = c->in_len;
    }
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    return 0;
}

/* Sends as much of the queued replies as the socket takes now.
 * Returns -1 if the connection is broken. */
static int client_write(struct client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -1;
        }
        c->out_off += (size_t)w;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static void add_client(int fd)
{
    if (nclients == clients_cap) {
        clients_cap = clients_cap ? 2 * clients_cap : 16;
        clients = realloc(clients, clients_cap * sizeof *clients);
        if (clients == NULL)
            die("realloc");
    }
    struct client *c = calloc(1, sizeof *c);
    if (c == NULL)
        die("calloc");
    c->fd = fd;
    clients[nclients++] = c;
}

static void drop_client(size_t i)
{
    close(clients[i]->fd);
    free(clients[i]->out);
    free(clients[i]);
    clients[i] = clients[--nclients];
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

    /* SIGTERM: blocked from now on, delivered only inside ppoll */
    sigset_t term, wait_mask;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &term, &wait_mask) == -1)
        die("sigprocmask");
    sigdelset(&wait_mask, SIGTERM);
    struct sigaction sa = {.sa_handler = on_sigterm};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (lfd == -1)
        die("socket");
    int one = 1;
    if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
        die("setsockopt");
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((unsigned short)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) == -1)
        die("bind");
    if (listen(lfd, SOMAXCONN) == -1)
        die("listen");

    struct pollfd *fds = NULL;
    size_t fds_cap = 0;
    for (;;) {
        /* the listening socket first, then one entry per client */
        if (fds_cap < nclients + 1) {
            fds_cap = 2 * (nclients + 1);
            fds = realloc(fds, fds_cap * sizeof *fds);
            if (fds == NULL)
                die("realloc");
        }
        fds[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (size_t i = 0; i < nclients; i++) {
            struct client *c = clients[i];
            short ev = 0;
            if (!c->closed_by_peer && c->out_len - c->out_off <= MAX_LINE)
                ev |= POLLIN;
            if (c->out_off < c->out_len)
                ev |= POLLOUT;
            fds[i + 1] = (struct pollfd){.fd = c->fd, .events = ev};
        }

        if (ppoll(fds, nclients + 1, NULL, &wait_mask) == -1) {
            if (errno != EINTR)
                die("ppoll");
            if (term_seen)
                return 0;
            continue;
        }

        /* the clients first, walking backwards: drop_client moves the last
         * client into the freed place, and fds[] still matches clients[] */
        for (size_t i = nclients; i-- > 0;) {
            struct client *c = clients[i];
            short re = fds[i + 1].revents;
            int broken = 0;
            if (re & (POLLIN | POLLHUP | POLLERR))
                broken = client_read(c) == -1;
            if (!broken)
                broken = client_write(c) == -1;
            if (broken || (c->closed_by_peer && c->out_off == c->out_len))
                drop_client(i);
        }

        if (fds[0].revents & POLLIN) {
            for (;;) {
                int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                if (cfd == -1) {
                    if (errno == EAGAIN || errno == EINTR ||
                        errno == ECONNABORTED)
                        break;
                    die("accept");
                }
                add_client(cfd);
            }
        }
    }
}
