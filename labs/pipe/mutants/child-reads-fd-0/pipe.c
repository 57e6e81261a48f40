/* mutant child-reads-fd-0: the child reads file descriptor 0 (stdin) instead of fd[0], the read end of the pipe: parent and child compete for stdin, and what the parent puts into the pipe is never read */
/*
 * pipe.c - reference solution for the pipe lab.
 *
 * Usage: pipe < input > output
 *
 * Creates an ordinary pipe and forks exactly once:
 *
 *   parent: closes the read end, copies all of its stdin into the write end,
 *           closes the write end (so the child sees end of file), waits for
 *           the child with waitpid and exits 0;
 *   child:  closes the write end, copies the read end to its stdout until
 *           end of file and exits 0.
 *
 *       stdin --> parent --> fd[1] ==pipe==> fd[0] --> child --> stdout
 *
 * The copy is binary-safe (read/write on raw bytes: NUL bytes are data like
 * any other), loops over short reads and short writes, and retries calls
 * interrupted by a signal (EINTR). Every call is checked: on error the
 * program prints a message on stderr (perror) and exits 1. Given any
 * argument, it prints a usage message on stderr and exits 2.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o pipe pipe.c -lrt -lpthread
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>   /* strerror */
#include <sys/types.h>
#include <sys/wait.h> /* waitpid, WIFEXITED, WEXITSTATUS */
#include <unistd.h>   /* pipe, fork, read, write, close */

/* one read at a time: the pipe's capacity on Linux (64 KiB) */
#define BUF_SIZE 65536

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

/* Copies everything from in to out until end of file on in; what names the
 * two sides in error messages. Exits 1 on an error. */
static void copy(int in, int out, const char *what_in, const char *what_out)
{
    static char buf[BUF_SIZE];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "pipe: reading %s: %s\n", what_in,
                    strerror(errno));
            exit(1);
        }
        if (n == 0) /* end of file: every write end is closed */
            return;
        if (write_all(out, buf, (size_t)n) == -1) {
            fprintf(stderr, "pipe: writing %s: %s\n", what_out,
                    strerror(errno));
            exit(1);
        }
    }
}

int main(int argc, char *argv[])
{
    if (argc != 1) {
        fprintf(stderr, "usage: %s < input > output   (no arguments)\n",
                argv[0]);
        exit(2);
    }

    /* fd[0] is the read end, fd[1] the write end */
    int fd[2];
    if (pipe(fd) == -1) {
        perror("pipe");
        exit(1);
    }

    pid_t pid = fork();
    if (pid == -1) {
        perror("fork");
        exit(1);
    }

    if (pid == 0) {
        /* child: the reader. Close the write end first: as long as any
         * write end is open (ours included), read never returns 0 (end of
         * file), it waits for data that never comes. */
        if (close(fd[1]) == -1) {
            perror("child: close(fd[1])");
            exit(1);
        }
        copy(0, STDOUT_FILENO, "the pipe", "stdout");
        if (close(fd[0]) == -1) {
            perror("child: close(fd[0])");
            exit(1);
        }
        exit(0);
    }

    /* parent: the writer. The read end is the child's business. */
    if (close(fd[0]) == -1) {
        perror("parent: close(fd[0])");
        exit(1);
    }
    copy(STDIN_FILENO, fd[1], "stdin", "the pipe");

    /* close the write end before waiting: this is what gives the child its
     * end of file; waiting first would wait forever */
    if (close(fd[1]) == -1) {
        perror("parent: close(fd[1])");
        exit(1);
    }

    /* wait for the child: it must not outlive us (an orphan is adopted by
     * init), and its exit status tells whether everything reached stdout */
    int status;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) {
            perror("waitpid");
            exit(1);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status))
            fprintf(stderr, "pipe: child killed by signal %d\n",
                    WTERMSIG(status));
        else
            fprintf(stderr, "pipe: child exited with status %d\n",
                    WEXITSTATUS(status));
        exit(1);
    }

    return 0;
}
