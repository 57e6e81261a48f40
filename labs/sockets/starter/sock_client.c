/*
 * sock_client.c - sockets lab, starter file.
 *
 * Usage: sock_client PORT < lines
 *
 * Connects to the server on 127.0.0.1:PORT. For each line of stdin (at
 * most 4 KiB, '\n' included) it sends the line, reads that line's reply (up
 * to and including the reply's '\n') and prints it on stdout. At end of
 * input it closes the connection and exits 0. If it cannot connect: a
 * message on stderr (perror) and exit 1, at once.
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sock_client sock_client.c -lrt -lpthread
 */
#include <arpa/inet.h>  /* htons, htonl */
#include <errno.h>      /* errno, EINTR */
#include <netinet/in.h> /* struct sockaddr_in, INADDR_LOOPBACK */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>     /* memset, strlen */
#include <sys/socket.h> /* socket, connect */
#include <sys/types.h>
#include <unistd.h>     /* read, write, close */

/* a line of stdin, its '\n' and fgets' '\0' included, with room to spare */
#define LINE_SIZE 8192

int main(int argc, char *argv[])
{
    /* the connected socket */
    int sock = -1;
    /* a line of stdin */
    char line[LINE_SIZE];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)sock; (void)line;

    /* TODO 1: PORT is argv[1]. Without exactly one argument, or if it is
     *         not a number (strtol, then check *end == '\0'): print a usage
     *         message to stderr and exit(2). */

    /* TODO 2: socket(AF_INET, SOCK_STREAM, 0), then connect() to
     *         127.0.0.1:PORT (a struct sockaddr_in, zeroed, with
     *         sin_family = AF_INET, sin_port = htons(port) and
     *         sin_addr.s_addr = htonl(INADDR_LOOPBACK)).
     *         If connect fails: perror("connect") and exit(1). Once: no
     *         retry loop, no sleep. */

    /* TODO 3: for each line of stdin (fgets(line, sizeof line, stdin)):
     *         - write() all of it to the socket (loop until every byte is
     *           out);
     *         - read() the reply until you have its '\n': a reply may come
     *           in several reads. Print exactly its bytes, '\n' included,
     *           once (printf("%s", ...) or fwrite, not puts, which adds a
     *           second '\n'). */

    /* TODO 4: at end of input: close(sock) and exit 0. Do not wait for
     *         the server to close first: it waits for you. */

    return 0;
}
