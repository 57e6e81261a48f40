/*
 * calc_client.c - reference solution for the rpc lab: the client.
 *
 * Usage: calc_client [--timeout SECONDS] HOST < requests
 *
 * Connects to the calc server on HOST (clnt_create asks HOST's rpcbind, the
 * matchmaker, where CALC_PROG version CALC_VERS listens over TCP), then for
 * each line of its stdin calls one remote procedure and prints its result:
 *
 *   add A B       ->  A + B = R
 *   div A B       ->  A / B = Q        or   A / B = error   (B == 0)
 *   upper TEXT    ->  TEXT uppercased, alone on its line
 *   count         ->  count = N        (calls the server has served so far)
 *
 * A and B are ints (written in decimal, a sign allowed); TEXT is the rest of
 * the line after "upper " (1..255 bytes, spaces inside allowed). At end of
 * input it destroys the client handle and exits 0.
 *
 * Calling a remote procedure looks like calling a local function: add_1,
 * divide_1, upper_1 and count_1 are the client stubs rpcgen wrote in
 * calc_clnt.c. Each encodes its argument (XDR), sends the call over the one
 * TCP connection of the handle, waits for the reply and decodes it. A stub
 * returns a pointer to the result, or NULL if the call failed (no reply
 * within the timeout, connection lost, ...).
 *
 * Errors, all on stderr:
 * - clnt_create fails (no rpcbind, or no server registered: "Program not
 *   registered"): clnt_pcreateerror(HOST), exit 1, at once.
 * - a call fails: clnt_perror, exit 1.
 * - a line that is none of the four requests: a message naming the line,
 *   which is skipped; the next lines are served, and the exit status at the
 *   end is 1 instead of 0.
 * - no HOST, or a bad --timeout: usage message, exit 2.
 *
 * --timeout SECONDS (used by the grader, not part of the lab): how long a
 * call waits for its reply (clnt_control CLSET_TIMEOUT) instead of the
 * stubs' 25 s, so that a server that never answers is noticed soon.
 *
 * Build (the stubs first):
 *   rpcgen -h -o calc.h calc.x; rpcgen -c -o calc_xdr.c calc.x
 *   rpcgen -l -o calc_clnt.c calc.x
 *   gcc -std=gnu11 -Wall -O2 -I/usr/include/tirpc -o calc_client \
 *       calc_client.c calc_clnt.c calc_xdr.c -ltirpc
 */
#include <errno.h>
#include <limits.h> /* INT_MIN, INT_MAX */
#include <stdio.h>
#include <stdlib.h>
#include <string.h> /* strcmp, strncmp, strspn */

#include "calc.h"   /* written by rpcgen from calc.x */

/* Reads an int from *s (leading blanks and a sign allowed) and moves *s past
 * it. Returns 0 if there is no number there or it does not fit an int. */
static int parse_int(const char **s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(*s, &end, 10);
    if (end == *s || errno == ERANGE || v < INT_MIN || v > INT_MAX)
        return 0;
    *out = (int)v;
    *s = end;
    return 1;
}

/* Reads "A B" (two ints, nothing after them but blanks) from s into *p.
 * Returns 0 if s is not that. */
static int parse_pair(const char *s, pair *p)
{
    if (!parse_int(&s, &p->a) || !parse_int(&s, &p->b))
        return 0;
    return s[strspn(s, " \t")] == '\0';
}

/* A call failed: say why (clnt_perror: "add_1: RPC: Timed out") and stop. */
static void call_failed(CLIENT *clnt, const char *stub)
{
    clnt_perror(clnt, stub);
    exit(1);
}

/* Serves one request line (without its '\n'). Returns 0 if the line is none
 * of the requests. */
static int serve_line(CLIENT *clnt, char *line)
{
    pair p;

    if (strncmp(line, "add ", 4) == 0 && parse_pair(line + 4, &p)) {
        int *sum = add_1(&p, clnt);
        if (sum == NULL)
            call_failed(clnt, "add_1");
        printf("%d + %d = %d\n", p.a, p.b, *sum);
    } else if (strncmp(line, "div ", 4) == 0 && parse_pair(line + 4, &p)) {
        div_result *q = divide_1(&p, clnt);
        if (q == NULL)
            call_failed(clnt, "divide_1");
        if (q->error == 0)
            printf("%d / %d = %d\n", p.a, p.b, q->div_result_u.quotient);
        else
            printf("%d / %d = error\n", p.a, p.b);
    } else if (strncmp(line, "upper ", 6) == 0 && line[6] != '\0') {
        /* TEXT is everything after the first space, spaces included. A
         * string in XDR is a char *: the stub takes a pointer to it. */
        char *text = line + 6;
        char **upper = upper_1(&text, clnt);
        if (upper == NULL)
            call_failed(clnt, "upper_1");
        printf("%s\n", *upper);
        /* the stub's XDR decoding malloc'ed the string: free it */
        xdr_free((xdrproc_t)xdr_wrapstring, (char *)upper);
    } else if (strcmp(line, "count") == 0) {
        int *n = count_1(NULL, clnt); /* COUNT(void): no argument */
        if (n == NULL)
            call_failed(clnt, "count_1");
        printf("count = %d\n", *n);
    } else {
        return 0;
    }
    return 1;
}

/* s as a number of seconds greater than 0 (decimals allowed), or -1. */
static double parse_seconds(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !(v > 0) || v > 1e6)
        return -1;
    return v;
}

int main(int argc, char *argv[])
{
    int arg = 1;
    double timeout = 0; /* 0: the stubs' own (25 s) */
    if (argc - arg == 3 && strcmp(argv[arg], "--timeout") == 0) {
        timeout = parse_seconds(argv[arg + 1]);
        if (timeout < 0) {
            fprintf(stderr, "%s: --timeout %s: not a number of seconds\n",
                    argv[0], argv[arg + 1]);
            exit(2);
        }
        arg += 2;
    }
    if (argc - arg != 1) {
        fprintf(stderr, "usage: %s HOST < requests\n", argv[0]);
        exit(2);
    }
    const char *host = argv[arg];

    /* Asks HOST's rpcbind for the port of (CALC_PROG, CALC_VERS) over TCP
     * and connects to it. "tcp", not rpcgen's template's "udp": the server
     * registers over TCP only. Fails at once if nothing is registered. */
    CLIENT *clnt = clnt_create(host, CALC_PROG, CALC_VERS, "tcp");
    if (clnt == NULL) {
        clnt_pcreateerror(host); /* e.g. "localhost: RPC: Program not
                                  * registered", on stderr */
        exit(1);
    }
    if (timeout > 0) {
        struct timeval tv;
        tv.tv_sec = (time_t)timeout;
        tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
        clnt_control(clnt, CLSET_TIMEOUT, (char *)&tv);
    }

    int status = 0;
    char *line = NULL; /* getline: lines of any length */
    size_t size = 0;
    ssize_t len;
    long number = 0; /* of the line, for messages */
    while ((len = getline(&line, &size, stdin)) != -1) {
        number++;
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        if (!serve_line(clnt, line)) {
            /* not a request: say so, skip it and go on; the exit status
             * will tell that something was wrong */
            fprintf(stderr, "%s: line %ld: not a request (add A B, div A B, "
                            "upper TEXT or count): %s\n",
                    argv[0], number, line);
            status = 1;
        }
    }
    free(line);

    /* closes the connection */
    clnt_destroy(clnt);
    return status;
}
