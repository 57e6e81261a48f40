/*
 * sock_server.c - sockets lab, a thread per client.
 *
 * The main thread accepts connections; each client gets a detached POSIX
 * thread that serves it and ends with it (a detached thread needs no
 * pthread_join: its resources go back when it returns). No child processes,
 * so there is nothing to reap.
 *
 * A thread reads its client's lines with getline() from a FILE made with
 * fdopen(fd, "r"): stdio does the buffering, and getline returns one whole
 * line however many reads it took, and however long it is. Each reply is
 * sent with a loop over send(), with MSG_NOSIGNAL: all threads are one
 * process, and SIGPIPE from a client that went away would kill them all.
 * fclose() closes the client's socket when the client has closed its end.
 *
 * SIGTERM: the handler calls _exit(0), which ends every thread at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_sigterm(int sig)
{
    (void)sig;
    _exit(0);
}

static int send_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
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

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    FILE *in = fdopen(fd, "r");
    if (in == NULL) {
        perror("fdopen");
        close(fd);
        return NULL;
    }

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) != -1) {
        for (ssize_t i = 0; i < len; i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] -= 'a' - 'A';
        if (send_all(fd, line, (size_t)len) == -1)
            break; /* the client has gone */
    }
    free(line);
    fclose(in); /* closes fd */
    return NULL;
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

    struct sigaction sa = {.sa_handler = on_sigterm};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) == -1) {
        perror("sigaction");
        return 1;
    }

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (lfd == -1 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr) != 1) {
        fprintf(stderr, "inet_pton failed\n");
        return 1;
    }
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) == -1) {
        perror("bind");
        return 1;
    }
    if (listen(lfd, 64) == -1) {
        perror("listen");
        return 1;
    }

    /* every thread is detached, and a small stack is plenty */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);

    for (;;) {
        int cfd = accept(lfd, NULL, NULL);
        if (cfd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("accept");
            return 1;
        }
        pthread_t tid;
        int err = pthread_create(&tid, &attr, serve, (void *)(intptr_t)cfd);
        if (err != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            close(cfd);
        }
    }
}
