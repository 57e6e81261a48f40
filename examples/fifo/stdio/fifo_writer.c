/*
 * fifo_writer.c - copies stdin into the FIFO PATH, with stdio.
 *
 * mkfifo() first (EEXIST means the reader was faster: fine), then fopen()
 * the FIFO for writing ("w" adds O_CREAT|O_TRUNC, which do nothing to an
 * existing FIFO). fread/fwrite move bytes, not strings, so NUL bytes are
 * copied too. fclose() flushes the last buffer before closing: without it
 * the tail of the data would never reach the reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        exit(2);
    }

    if (mkfifo(argv[1], 0666) == -1 && errno != EEXIST) {
        perror(argv[1]);
        exit(1);
    }

    FILE *fifo = fopen(argv[1], "w");   /* waits for the reader */
    if (fifo == NULL) {
        perror(argv[1]);
        exit(1);
    }

    char buf[BUFSIZ];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        if (fwrite(buf, 1, n, fifo) != n) {
            perror("fwrite");
            exit(1);
        }
    }
    if (ferror(stdin)) {
        perror("fread");
        exit(1);
    }
    if (fclose(fifo) == EOF) {
        perror("fclose");
        exit(1);
    }
    return 0;
}
