/* signals.c - signals lab. The handlers add to a "pending" counter; the main
 * loop blocks the signals only while it checks and takes what is pending,
 * sleeps in sigsuspend() with them unblocked, then prints with the signals
 * unblocked again. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t pending = 0; /* SIGUSR1s not printed yet */
static volatile sig_atomic_t stop = 0;    /* SIGTERM seen */

static void handler(int sig)
{
    if (sig == SIGUSR1)
        pending++;
    else if (sig == SIGTERM)
        stop = 1;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(void)
{
    struct sigaction sa;
    sigset_t mask, orig;
    int count = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask); /* nothing interrupts a handler */
    if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        die("sigaction");

    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGINT, &sa, NULL) < 0)
        die("sigaction SIGINT");

    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGTERM);

    printf("ready\n");
    fflush(stdout);

    for (;;) {
        if (sigprocmask(SIG_BLOCK, &mask, &orig) < 0)
            die("sigprocmask");
        while (pending == 0 && !stop)
            sigsuspend(&orig); /* returns after a handler has run */
        int n = pending;
        pending = 0;
        int quit = stop;
        if (sigprocmask(SIG_SETMASK, &orig, NULL) < 0)
            die("sigprocmask");

        while (n-- > 0) {
            count++;
            printf("SIGUSR1 %d\n", count);
            if (fflush(stdout) == EOF)
                die("fflush");
        }
        if (quit)
            break;
    }

    printf("bye %d\n", count);
    return 0;
}
