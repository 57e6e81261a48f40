/*
 * calc_client.c - rpc lab, starter file: the client.
 *
 * Usage: calc_client HOST < requests
 *
 * Made from the template that "rpcgen -a calc.x" writes. Connects to the
 * calc server on HOST, then for each line of stdin calls one remote
 * procedure and prints its result:
 *
 *   add A B       ->  A + B = R
 *   div A B       ->  A / B = Q        or   A / B = error   (when B == 0)
 *   upper TEXT    ->  TEXT uppercased, alone on its line
 *   count         ->  count = N
 *
 * add_1, divide_1, upper_1 and count_1 are the client stubs: rpcgen writes
 * them in calc_clnt.c. Each returns a pointer to the result, or NULL if the
 * call failed.
 * See README.md for the full contract and the checks.
 *
 * Build: make calc_client (see the Makefile), or
 *   rpcgen -h -o calc.h calc.x; rpcgen -c -o calc_xdr.c calc.x
 *   rpcgen -l -o calc_clnt.c calc.x
 *   gcc -std=gnu11 -Wall -O2 -I/usr/include/tirpc -o calc_client \
 *       calc_client.c calc_clnt.c calc_xdr.c -ltirpc
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h> /* strcmp, strncmp, strcspn */

#include "calc.h"   /* written by rpcgen from calc.x */

int main(int argc, char *argv[])
{
    /* the client handle: one connection to the server, for every call */
    CLIENT *clnt = NULL;
    /* a line of stdin: "upper " and 255 bytes, its '\n' and fgets' '\0'
     * fit, with room to spare */
    char line[512];

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)clnt; (void)line;

    /* TODO 1: HOST is argv[1]. Without it: a usage message on stderr,
     *         exit(2). */

    /* TODO 2: clnt = clnt_create(host, CALC_PROG, CALC_VERS, "tcp");
     *         "tcp", not "udp" as rpcgen's template has it: the server
     *         registers over TCP only.
     *         If it returns NULL (no server registered on HOST):
     *         clnt_pcreateerror(host) (it writes to stderr) and exit(1),
     *         at once: no retry loop, no sleep. */

    /* TODO 3: for each line of stdin (fgets(line, sizeof line, stdin)),
     *         without its '\n' (line[strcspn(line, "\n")] = '\0'):
     *         - "add A B": pair p; sscanf(line, "add %d %d", &p.a, &p.b)
     *           gives 2; int *sum = add_1(&p, clnt);
     *           printf("%d + %d = %d\n", p.a, p.b, *sum);
     *         - "div A B": divide_1(&p, clnt) returns a div_result *: if
     *           its error is 0, print "A / B = Q" with its
     *           div_result_u.quotient; otherwise "A / B = error";
     *         - "upper TEXT": TEXT is everything after the first space,
     *           spaces included (so not sscanf's %s, which stops at a
     *           space): char *text = line + 6; upper_1(&text, clnt)
     *           returns a char **: print *result and a '\n';
     *         - "count": count_1(NULL, clnt); print "count = N".
     *         A stub that returns NULL: the call failed.
     *         clnt_perror(clnt, "add_1") (stderr) and exit(1).
     *         Any other line: a message on stderr, skip it (see README). */

    /* TODO 4: at end of input: clnt_destroy(clnt) and exit 0. */

    return 0;
}
