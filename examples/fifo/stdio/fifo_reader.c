/*
 * fifo_reader.c - prints what comes through the FIFO PATH, with stdio.
 *
 * Makes the FIFO if the writer has not yet (EEXIST is fine), fopen()s it for
 * reading and copies it to stdout with getc/putc until EOF. getc returns an
 * int, so a 0 byte is just another character; only EOF (-1) ends the loop.
 * stdout is flushed and checked before the FIFO is removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH\n", argv[0]);
        exit(2);
    }
    const char *path = argv[1];

    if (mkfifo(path, 0666) == -1 && errno != EEXIST) {
        perror(path);
        exit(1);
    }

    FILE *fifo = fopen(path, "r");   /* waits for a writer */
    if (fifo == NULL) {
        perror(path);
        exit(1);
    }

    int c;
    while ((c = getc(fifo)) != EOF)
        putc(c, stdout);
    if (ferror(fifo)) {
        perror("getc");
        exit(1);
    }
    fclose(fifo);

    if (fflush(stdout) == EOF || ferror(stdout)) {
        perror("stdout");
        exit(1);
    }

    if (unlink(path) == -1) {
        perror(path);
        exit(1);
    }
    return 0;
}
