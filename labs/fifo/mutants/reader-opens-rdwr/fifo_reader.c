/* mutant reader-opens-rdwr: the reader opens the FIFO with O_RDWR (so that open does not block): it holds a write end itself, so it never sees end of file and waits forever */
/*
 * fifo_reader.c - reference solution for the fifo lab.
 *
 * Usage: fifo_reader PATH
 *
 * Creates a FIFO (named pipe) at PATH with mkfifo(PATH, 0666) if it is
 * missing; a FIFO that already exists there (made by the writer) is fine.
 * Opens it for reading, which waits until a writer has opened it too, copies
 * everything to stdout until end of file (every writer has closed it), then
 * removes PATH with unlink and exits 0. PATH stays a FIFO for as long as data
 * may still come: it is removed only after end of file.
 *
 * The copy is binary-safe (read/write on raw bytes: NUL bytes are data like
 * any other), loops over short reads and short writes and retries calls
 * interrupted by a signal (EINTR). Every call is checked: on error the
 * program prints a message on stderr and exits 1; without exactly one
 * argument it prints a usage message on stderr and exits 2.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o fifo_reader fifo_reader.c -lrt -lpthread
 */
#include <errno.h>
#include <fcntl.h>    /* open, O_RDONLY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>   /* strerror */
#include <sys/stat.h> /* mkfifo, fstat, S_ISFIFO */
#include <sys/types.h>
#include <unistd.h>   /* read, write, close, unlink */

/* one read at a time: the pipe's capacity on Linux (64 KiB) */
#define BUF_SIZE 65536

static const char *prog = "fifo_reader";

/* Prints "fifo_reader: WHAT PATH: <error>" on stderr and exits 1. */
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
        fprintf(stderr, "usage: %s PATH > output\n", argv[0]);
        exit(2);
    }
    const char *path = argv[1];

    /* create the FIFO unless the writer was first and made it already */
    if (mkfifo(path, 0666) == -1 && errno != EEXIST)
        fail("mkfifo", path);

    /* opening a FIFO for reading blocks until someone opens it for writing.
     * O_RDONLY, not O_RDWR: a reader that also holds a write end never sees
     * end of file */
    int fd;
    while ((fd = open(path, O_RDWR)) == -1) {
        if (errno != EINTR)
            fail("open", path);
    }

    /* EEXIST only says that something is at PATH: make sure it is a FIFO */
    struct stat st;
    if (fstat(fd, &st) == -1)
        fail("fstat", path);
    if (!S_ISFIFO(st.st_mode)) {
        fprintf(stderr, "%s: %s exists and is not a FIFO\n", prog, path);
        exit(1);
    }

    static char buf[BUF_SIZE];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            fail("reading", path);
        }
        if (n == 0) /* end of file: every writer has closed the FIFO */
            break;
        if (write_all(STDOUT_FILENO, buf, (size_t)n) == -1)
            fail("writing stdout", NULL);
    }

    if (close(fd) == -1)
        fail("close", path);

    /* only now, after end of file, remove the FIFO */
    if (unlink(path) == -1)
        fail("unlink", path);

    return 0;
}
