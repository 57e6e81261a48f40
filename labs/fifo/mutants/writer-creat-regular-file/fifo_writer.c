/* mutant writer-creat-regular-file: the writer opens PATH with open(PATH, O_WRONLY | O_CREAT, 0666) instead of calling mkfifo: started first, it creates a regular file, not a FIFO */
/*
 * fifo_writer.c - reference solution for the fifo lab.
 *
 * Usage: fifo_writer PATH
 *
 * Creates a FIFO (named pipe) at PATH with mkfifo(PATH, 0666); a FIFO that
 * already exists there (made by the reader) is fine. Opens it for writing,
 * which waits until a reader has opened it too, copies all of stdin into it
 * and exits 0. Closing the FIFO (here: at exit) is what gives the reader its
 * end of file. The writer never removes PATH: the reader does that.
 *
 * The copy is binary-safe (read/write on raw bytes: NUL bytes are data like
 * any other), loops over short reads and short writes, retries calls
 * interrupted by a signal (EINTR), and passes on each piece of stdin as soon
 * as it arrives. Every call is checked: on error the program prints a message
 * on stderr and exits 1; without exactly one argument it prints a usage
 * message on stderr and exits 2.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o fifo_writer fifo_writer.c -lrt -lpthread
 */
#include <errno.h>
#include <fcntl.h>    /* open, O_WRONLY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>   /* strerror */
#include <sys/stat.h> /* mkfifo, fstat, S_ISFIFO */
#include <sys/types.h>
#include <unistd.h>   /* read, write, close */

/* one read at a time: the pipe's capacity on Linux (64 KiB) */
#define BUF_SIZE 65536

static const char *prog = "fifo_writer";

/* Prints "fifo_writer: WHAT PATH: <error>" on stderr and exits 1. */
static void fail(const char *what, const char *path)
{
    fprintf(stderr, "%s: %s%s%s: %s\n", prog, what, path ? " " : "",
            path ? path : "", strerror(errno));
    exit(1);
}

/* Writes all n bytes of buf to fd, however many calls it takes. */
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

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH < input\n", argv[0]);
        exit(2);
    }
    const char *path = argv[1];

    /* open PATH for writing, creating it if the reader has not yet */
    int fd;
    while ((fd = open(path, O_WRONLY | O_CREAT, 0666)) == -1) {
        if (errno != EINTR)
            fail("open", path);
    }

    static char buf[BUF_SIZE];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            fail("reading stdin", NULL);
        }
        if (n == 0) /* end of input */
            break;
        if (write_all(fd, buf, (size_t)n) == -1)
            fail("writing", path);
    }

    /* the last writer closing the FIFO gives the reader end of file */
    if (close(fd) == -1)
        fail("close", path);

    return 0;
}
