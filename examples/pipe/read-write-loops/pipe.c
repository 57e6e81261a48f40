/* pipe.c: the parent sends its stdin through a pipe to its child, which
 * prints everything it receives. Plain read()/write() with a 4 KiB buffer;
 * write() may write less than asked, so every write is a loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUFSZ 4096

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* write all len bytes, however many calls it takes */
static void write_fully(int fd, const char *p, ssize_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        p += k;
        len -= k;
    }
}

/* copy from one descriptor to another until end of file */
static void pump(int from, int to)
{
    char buf[BUFSZ];
    ssize_t n;
    for (;;) {
        n = read(from, buf, BUFSZ);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (n == 0)
            break;
        write_fully(to, buf, n);
    }
}

int main(void)
{
    int fd[2];
    pid_t child;

    if (pipe(fd) < 0)
        die("pipe");

    child = fork();
    if (child < 0)
        die("fork");

    if (child == 0) {
        /* reader: without this close we would never get end of file */
        close(fd[1]);
        pump(fd[0], STDOUT_FILENO);
        close(fd[0]);
        return 0;
    }

    /* writer */
    close(fd[0]);
    pump(STDIN_FILENO, fd[1]);
    if (close(fd[1]) < 0)
        die("close");

    int status;
    if (waitpid(child, &status, 0) < 0)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child failed\n");
        return 1;
    }
    return 0;
}
