/* fifo_reader.c: makes the named pipe PATH if it is not there yet, prints
 * everything that comes through it, and removes it at end of file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUFSZ 4096

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];

    if (mkfifo(path, 0666) < 0 && errno != EEXIST) {
        perror("mkfifo");
        return 1;
    }

    /* blocks until a writer opens the other end */
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror("open");
        return 1;
    }

    char buf[BUFSZ];
    ssize_t n;
    while ((n = read(fd, buf, BUFSZ)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return 1;
        }
        char *p = buf;
        while (n > 0) {
            ssize_t k = write(1, p, n);
            if (k < 0) {
                if (errno == EINTR)
                    continue;
                perror("write");
                return 1;
            }
            p += k;
            n -= k;
        }
    }

    close(fd);
    /* end of file: the writer is done, so the FIFO can go */
    if (unlink(path) < 0) {
        perror("unlink");
        return 1;
    }
    return 0;
}
