/*
 * fifo_writer.c - fifo lab, starter file.
 *
 * Usage: fifo_writer PATH
 *
 * Create a FIFO (named pipe) at PATH with mkfifo(PATH, 0666); if the reader
 * has already made it (mkfifo fails with errno == EEXIST), that is fine.
 * Open it for writing, copy all of stdin into it, and exit 0.
 * The input may be any bytes (NUL bytes included) and much larger than the
 * FIFO can hold. See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o fifo_writer fifo_writer.c -lrt -lpthread
 */
#include <errno.h>    /* errno, EEXIST */
#include <fcntl.h>    /* open, O_WRONLY */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h> /* mkfifo */
#include <sys/types.h>
#include <unistd.h>   /* read, write, close */

#define BUF_SIZE 4096

int main(int argc, char *argv[])
{
    /* the FIFO's file descriptor */
    int fd = -1;
    /* a buffer for read() and write() */
    char buf[BUF_SIZE];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)fd; (void)buf;

    /* TODO 1: PATH is argv[1]. If it is missing (argc != 2): print a
     *         usage message to stderr and exit(2). Never use a fixed name:
     *         the grader gives a different PATH each time. */

    /* TODO 2: mkfifo(PATH, 0666). If it fails with an errno other than
     *         EEXIST: perror() and exit(1). EEXIST means the reader was
     *         first and the FIFO is already there: carry on. */

    /* TODO 3: open PATH with O_WRONLY (this waits until a reader opens it).
     *         No O_CREAT: the FIFO is there now. */

    /* TODO 4: read() stdin (STDIN_FILENO) until it returns 0 (end of
     *         file) and write() every byte you got into the FIFO.
     *         read() tells you how many bytes it got: write exactly that
     *         many (no strlen, no fgets/fputs: the data may hold NUL bytes).
     *         write() may write fewer bytes than asked: write the rest. */

    /* TODO 5: close the FIFO (this gives the reader its end of file) and
     *         exit 0. Do not unlink PATH: the reader does that. */

    return 0;
}
