/*
 * fifo_reader.c - fifo lab, starter file.
 *
 * Usage: fifo_reader PATH
 *
 * Create a FIFO (named pipe) at PATH with mkfifo(PATH, 0666) if it is
 * missing (mkfifo fails with errno == EEXIST when the writer has made it:
 * that is fine). Open it for reading, copy everything to stdout until end
 * of file, then remove PATH with unlink() and exit 0.
 * The data may be any bytes (NUL bytes included).
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o fifo_reader fifo_reader.c -lrt -lpthread
 */
#include <errno.h>    /* errno, EEXIST */
#include <fcntl.h>    /* open, O_RDONLY */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h> /* mkfifo */
#include <sys/types.h>
#include <unistd.h>   /* read, write, close, unlink */

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
     *         usage message to stderr and exit(2). */

    /* TODO 2: mkfifo(PATH, 0666). If it fails with an errno other than
     *         EEXIST: perror() and exit(1). EEXIST means the writer was
     *         first: carry on. */

    /* TODO 3: open PATH with O_RDONLY (this waits until a writer opens it).
     *         Not O_RDWR: a reader that holds a write end itself never
     *         sees end of file. */

    /* TODO 4: read() the FIFO until it returns 0 (end of file: the writer
     *         has closed it) and write() every byte you got to stdout
     *         (STDOUT_FILENO). Write exactly as many bytes as read()
     *         returned, and the rest when write() writes fewer. */

    /* TODO 5: close the FIFO, then (and only then: PATH must stay a FIFO
     *         while the writer is still sending) remove it with
     *         unlink(PATH), and exit 0. */

    return 0;
}
