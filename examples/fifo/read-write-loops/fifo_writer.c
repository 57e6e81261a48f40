/* fifo_writer.c: makes the named pipe PATH (unless the reader already did),
 * and copies stdin into it with read()/write() and a 4 KiB buffer. */
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

    if (mkfifo(argv[1], 0666) < 0 && errno != EEXIST) {
        perror("mkfifo");
        return 1;
    }

    /* blocks here until the reader opens its end */
    int fd = open(argv[1], O_WRONLY);
    if (fd < 0) {
        perror("open");
        return 1;
    }

    char buf[BUFSZ];
    for (;;) {
        ssize_t n = read(0, buf, BUFSZ);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        /* a write may be short: keep going until all n bytes are out */
        ssize_t done = 0;
        while (done < n) {
            ssize_t k = write(fd, buf + done, n - done);
            if (k < 0) {
                if (errno == EINTR)
                    continue;
                perror("write");
                return 1;
            }
            done += k;
        }
    }

    if (close(fd) < 0) {
        perror("close");
        return 1;
    }
    return 0;
}
