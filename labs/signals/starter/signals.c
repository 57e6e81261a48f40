/*
 * signals.c - signals lab, starter file.
 *
 * Install signal handlers with sigaction(), then print "ready". For every
 * SIGUSR1 print "SIGUSR1 <n>" (n = how many so far, counting from 1).
 * Ignore SIGINT. On SIGTERM print "bye <n>" (n = the SIGUSR1s so far) and
 * exit 0. Flush every line (stdout is a pipe when the grader runs you).
 * The handlers only set flags / counters; the printing happens in main.
 * While nothing happens, sleep (sigsuspend) instead of spinning.
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o signals signals.c -lrt -lpthread
 */
#include <errno.h>
#include <signal.h> /* sigaction, sigprocmask, sigsuspend, sig_atomic_t */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Shared between the handlers and main. A handler may only write objects
 * of type volatile sig_atomic_t. */
static volatile sig_atomic_t usr1_count = 0; /* SIGUSR1s received */
static volatile sig_atomic_t term_seen = 0;  /* set when SIGTERM arrives */

static void on_usr1(int sig)
{
    (void)sig;
    /* TODO 1: count this SIGUSR1 (add 1 to usr1_count). Nothing else:
     *         no printf here (it is not async-signal-safe). */
}

static void on_term(int sig)
{
    (void)sig;
    /* TODO 2: remember that SIGTERM arrived (term_seen = 1). */
}

int main(void)
{
    /* the SIGUSR1s printed so far */
    int printed = 0;

    /* TODO: delete this line once you use the handlers and variables
     * (it only keeps the compiler from warning that they are unused) */
    (void)on_usr1; (void)on_term; (void)printed;

    /* TODO 3: block SIGUSR1 and SIGTERM with sigprocmask(SIG_BLOCK, ...),
     *         keeping the old mask: from then on they are only delivered
     *         inside sigsuspend(), so none is lost between a check and
     *         the sleep. */

    /* TODO 4: install on_usr1 for SIGUSR1 and on_term for SIGTERM with
     *         sigaction() (sa_handler, sigemptyset(&sa.sa_mask),
     *         sa_flags = 0). Check the result: -1 means error (perror,
     *         exit(1)). */

    /* TODO 5: ignore SIGINT: sigaction() with sa_handler = SIG_IGN. */

    /* TODO 6: print "ready\n" and fflush(stdout). */

    /* TODO 7: loop:
     *           - while printed < usr1_count: printed++, print
     *             "SIGUSR1 <printed>\n" and fflush(stdout);
     *           - if term_seen: leave the loop;
     *           - sigsuspend(&old_mask): sleeps until a handler has run
     *             (it returns -1 with errno EINTR: that is normal). */

    /* TODO 8: print "bye <printed>\n" and exit 0. */

    return 0;
}
