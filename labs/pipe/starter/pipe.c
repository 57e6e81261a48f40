/*
 * pipe.c - pipe lab, starter file.
 *
 * Usage: pipe < input > output
 *
 * Create an ordinary pipe and fork exactly once.
 *   - The parent reads all of its stdin and writes it into the pipe, closes
 *     the write end, waits for the child (waitpid) and exits 0.
 *   - The child reads from the pipe until end of file, writes every byte to
 *     its stdout and exits 0.
 * The input may be any bytes (NUL bytes included) and much larger than the
 * pipe can hold. See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o pipe pipe.c -lrt -lpthread
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h> /* waitpid */
#include <unistd.h>   /* pipe, fork, read, write, close */

#define BUF_SIZE 4096

int main(void)
{
    /* the pipe: fd[0] is the read end, fd[1] the write end */
    int fd[2];
    /* what fork() returned */
    pid_t pid = -1;
    /* a buffer for read() and write() */
    char buf[BUF_SIZE];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)fd; (void)pid; (void)buf;

    /* TODO 1: create the pipe with pipe(fd). On failure: perror() and
     *         exit(1). Check every call below the same way. */

    /* TODO 2: fork() once. */

    /* TODO 3: in the child (fork returned 0):
     *         - close the write end fd[1] (the child only reads; while any
     *           write end is open, read() never reports end of file);
     *         - read() from fd[0] until it returns 0 (end of file), and
     *           write() every byte you got to stdout (STDOUT_FILENO).
     *           read() tells you how many bytes it got: write exactly that
     *           many, NUL bytes included (no strlen, no printf("%s"));
     *           write() may write fewer bytes than asked: write the rest;
     *         - exit(0). */

    /* TODO 4: in the parent:
     *         - close the read end fd[0];
     *         - read() stdin (STDIN_FILENO) until end of file and write()
     *           everything into fd[1];
     *         - close fd[1]: now the child gets end of file;
     *         - wait for the child with waitpid(pid, &status, 0);
     *         - exit 0. */

    return 0;
}
