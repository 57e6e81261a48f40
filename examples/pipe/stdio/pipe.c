/* pipe.c - ordinary pipe, done with stdio.
 *
 * Parent: wraps the write end in a FILE with fdopen() and fwrite()s its stdin
 * into it (fread/fwrite count bytes, so NUL bytes go through too), then
 * fclose()s it, which flushes the last buffer and closes the descriptor: the
 * child sees end of file. Then it waits for the child.
 * Child: wraps the read end with fdopen() and copies it to stdout with
 * getc/putc (ints, so a 0 byte is just a character, only EOF ends the loop);
 * stdout is flushed before exiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(int fd[2])
{
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    if (in == NULL) {
        perror("fdopen");
        exit(1);
    }
    int c;
    while ((c = getc(in)) != EOF) {
        if (putc(c, stdout) == EOF) {
            perror("putc");
            exit(1);
        }
    }
    if (ferror(in)) {
        perror("getc");
        exit(1);
    }
    fclose(in);
    if (fflush(stdout) == EOF) {
        perror("fflush");
        exit(1);
    }
    exit(0);
}

int main(void)
{
    int fd[2];
    if (pipe(fd) == -1) {
        perror("pipe");
        return 1;
    }

    /* nothing has been printed yet, so no stdio buffer is copied by fork */
    pid_t pid = fork();
    if (pid == -1) {
        perror("fork");
        return 1;
    }
    if (pid == 0)
        child(fd);

    close(fd[0]);
    FILE *out = fdopen(fd[1], "w");
    if (out == NULL) {
        perror("fdopen");
        return 1;
    }

    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        if (fwrite(buf, 1, n, out) != n) {
            perror("fwrite");
            return 1;
        }
    }
    if (ferror(stdin)) {
        perror("fread");
        return 1;
    }
    if (fclose(out) == EOF) { /* flush + close the write end */
        perror("fclose");
        return 1;
    }

    int status;
    if (waitpid(pid, &status, 0) == -1) {
        perror("waitpid");
        return 1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
