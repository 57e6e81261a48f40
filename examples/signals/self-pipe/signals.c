/*
 * signals.c - signals lab, "self-pipe trick" version.
 *
 * The handlers write one byte into a pipe ('U' for SIGUSR1, 'T' for
 * SIGTERM); write() is async-signal-safe, printf() is not. The main loop
 * sleeps in a blocking read() on the other end of the pipe and does the
 * printing. The write end is non-blocking so a handler can never hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int selfpipe[2];

static void on_signal(int sig)
{
    int saved = errno; /* write() may change errno under main's feet */
    char c = (sig == SIGUSR1) ? 'U' : 'T';
    ssize_t r = write(selfpipe[1], &c, 1); /* pipe full: nothing to do here */
    (void)r;
    errno = saved;
}

static void fail(const char *msg)
{
    perror(msg);
    exit(EXIT_FAILURE);
}

int main(void)
{
    if (pipe2(selfpipe, O_CLOEXEC) == -1)
        fail("pipe2");
    int flags = fcntl(selfpipe[1], F_GETFL);
    if (flags == -1 || fcntl(selfpipe[1], F_SETFL, flags | O_NONBLOCK) == -1)
        fail("fcntl");

    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_signal;
    act.sa_flags = SA_RESTART;
    sigemptyset(&act.sa_mask);
    if (sigaction(SIGUSR1, &act, NULL) == -1)
        fail("sigaction(SIGUSR1)");
    if (sigaction(SIGTERM, &act, NULL) == -1)
        fail("sigaction(SIGTERM)");
    act.sa_handler = SIG_IGN;
    if (sigaction(SIGINT, &act, NULL) == -1)
        fail("sigaction(SIGINT)");

    setvbuf(stdout, NULL, _IOLBF, 0); /* flush at every newline */
    printf("ready\n");

    unsigned long usr1 = 0;
    for (;;) {
        char c;
        ssize_t n = read(selfpipe[0], &c, 1); /* sleeps until a handler writes */
        if (n == -1) {
            if (errno == EINTR)
                continue;
            fail("read");
        }
        if (n == 0) { /* cannot happen: we hold the write end */
            fprintf(stderr, "self-pipe closed\n");
            exit(EXIT_FAILURE);
        }
        if (c == 'U') {
            usr1++;
            printf("SIGUSR1 %lu\n", usr1);
        } else {
            printf("bye %lu\n", usr1);
            break;
        }
    }
    return 0;
}
