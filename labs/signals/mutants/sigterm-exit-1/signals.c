/* mutant sigterm-exit-1: prints "bye <n>" on SIGTERM but then exits with status 1 instead of 0 */
/*
 * signals.c - reference solution for the signals lab.
 *
 * Installs handlers with sigaction() and prints "ready". For every SIGUSR1
 * it prints "SIGUSR1 <n>" (n counts from 1); SIGINT is ignored; on SIGTERM
 * it prints "bye <n>" (n = the SIGUSR1s so far) and exits 0. Every line is
 * flushed at once: stdout is usually a pipe, not a terminal.
 *
 * The handlers only count into volatile sig_atomic_t variables; all output
 * is written by the main flow (printf is not async-signal-safe). SIGUSR1 and
 * SIGTERM stay blocked except inside sigsuspend(), which unblocks them and
 * sleeps in one atomic step: a signal that arrives while main is printing
 * stays pending until the next sigsuspend() and cannot be lost between a
 * check of the counter and the sleep (the race that pause() has).
 *
 * Two SIGUSR1s sent while it is blocked merge into one pending signal (the
 * standard signals are not queued), so the handler runs once for them. The
 * program prints one line per handler run: "SIGUSR1 k" for every k up to
 * the counter.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o signals signals.c -lrt -lpthread
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* written by the handlers, read by main: volatile sig_atomic_t is the only
 * object type a handler may portably write */
static volatile sig_atomic_t usr1_count = 0; /* SIGUSR1 handler runs */
static volatile sig_atomic_t term_seen = 0;  /* a SIGTERM arrived */

static void on_usr1(int sig)
{
    (void)sig;
    /* not re-entered: SIGUSR1 is blocked while its own handler runs */
    usr1_count = usr1_count + 1;
}

static void on_term(int sig)
{
    (void)sig;
    term_seen = 1;
}

/* printf + fflush, exiting with a message if the line cannot be written */
static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int r = vprintf(fmt, ap);
    va_end(ap);
    if (r < 0 || fflush(stdout) == EOF) {
        perror("stdout");
        exit(1);
    }
}

static void install(int sig, void (*handler)(int))
{
    struct sigaction sa;

    sa.sa_handler = handler;
    /* block the other handled signal too while a handler runs */
    if (sigemptyset(&sa.sa_mask) == -1 || sigaddset(&sa.sa_mask, SIGUSR1) == -1 ||
        sigaddset(&sa.sa_mask, SIGTERM) == -1) {
        perror("sigemptyset/sigaddset");
        exit(1);
    }
    sa.sa_flags = 0; /* not SA_RESETHAND: the handler stays installed */
    if (sigaction(sig, &sa, NULL) == -1) {
        perror("sigaction");
        exit(1);
    }
}

int main(void)
{
    sigset_t handled, old_mask, wait_mask;

    /* block SIGUSR1 and SIGTERM first: from now on they can only be
     * delivered inside sigsuspend() */
    if (sigemptyset(&handled) == -1 || sigaddset(&handled, SIGUSR1) == -1 ||
        sigaddset(&handled, SIGTERM) == -1) {
        perror("sigemptyset/sigaddset");
        exit(1);
    }
    if (sigprocmask(SIG_BLOCK, &handled, &old_mask) == -1) {
        perror("sigprocmask");
        exit(1);
    }
    /* the mask to sleep with: the one we started with, minus our two
     * signals (in case we were started with them blocked) */
    wait_mask = old_mask;
    if (sigdelset(&wait_mask, SIGUSR1) == -1 || sigdelset(&wait_mask, SIGTERM) == -1) {
        perror("sigdelset");
        exit(1);
    }

    install(SIGUSR1, on_usr1);
    install(SIGTERM, on_term);

    /* SIGINT (Ctrl-C) is ignored */
    struct sigaction ign;
    ign.sa_handler = SIG_IGN;
    ign.sa_flags = 0;
    if (sigemptyset(&ign.sa_mask) == -1 || sigaction(SIGINT, &ign, NULL) == -1) {
        perror("sigaction(SIGINT)");
        exit(1);
    }

    say("ready\n");

    sig_atomic_t printed = 0;
    for (;;) {
        /* the signals are blocked here: the counters cannot change under us */
        while (printed < usr1_count) {
            printed++;
            say("SIGUSR1 %d\n", (int)printed);
        }
        if (term_seen)
            break;
        /* unblock, sleep until a handler has run, block again; it always
         * returns -1 with errno EINTR */
        if (sigsuspend(&wait_mask) == -1 && errno != EINTR) {
            perror("sigsuspend");
            exit(1);
        }
    }

    say("bye %d\n", (int)printed);
    return 1;
}
