/*
 * calc_client.c - rpc lab, clnt_call by hand.
 *
 * No client stubs: each request is one clnt_call, given the procedure's
 * number from calc.h, the XDR routines of its argument and of its result
 * (xdr_pair, xdr_div_result from calc_xdr.c; xdr_int, xdr_wrapstring,
 * xdr_void from the library) and a timeout. This is what the stubs in
 * calc_clnt.c do. Lines are read with getline (any length). The verb is the
 * line up to its first space; what follows that space is the argument.
 * Lines it does not understand go to stderr and make the exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

static const struct timeval TIMEOUT = {25, 0};

/* one remote call; any failure ends the program */
static void call(CLIENT *clnt, rpcproc_t proc, xdrproc_t xargs, void *args,
                 xdrproc_t xres, void *res)
{
    enum clnt_stat st = clnt_call(clnt, proc, xargs, (caddr_t)args, xres,
                                  (caddr_t)res, TIMEOUT);
    if (st != RPC_SUCCESS) {
        clnt_perror(clnt, "clnt_call");
        exit(1);
    }
}

/* "A B" into p; 1 if that is all the text holds */
static int two_ints(const char *s, pair *p)
{
    int used = -1;
    if (s == NULL || sscanf(s, "%d %d%n", &p->a, &p->b, &used) != 2)
        return 0;
    return s[used] == '\0';
}

int main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s HOST\n", argv[0]);
        exit(2);
    }
    CLIENT *clnt = clnt_create(argv[1], CALC_PROG, CALC_VERS, "tcp");
    if (!clnt) {
        clnt_pcreateerror(argv[1]);
        exit(1);
    }

    int status = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        char *space = strchr(line, ' ');
        char *arg = space ? space + 1 : NULL;
        size_t verb = space ? (size_t)(space - line) : (size_t)n;
        pair p;

        if (verb == 3 && !strncmp(line, "add", 3) && two_ints(arg, &p)) {
            int sum;
            call(clnt, ADD, (xdrproc_t)xdr_pair, &p, (xdrproc_t)xdr_int, &sum);
            printf("%d + %d = %d\n", p.a, p.b, sum);
        } else if (verb == 3 && !strncmp(line, "div", 3) && two_ints(arg, &p)) {
            div_result q;
            call(clnt, DIVIDE, (xdrproc_t)xdr_pair, &p,
                 (xdrproc_t)xdr_div_result, &q);
            if (q.error == 0)
                printf("%d / %d = %d\n", p.a, p.b, q.div_result_u.quotient);
            else
                printf("%d / %d = error\n", p.a, p.b);
        } else if (verb == 5 && !strncmp(line, "upper", 5) && arg && *arg) {
            char *out = NULL; /* NULL: xdr_wrapstring mallocs the result */
            call(clnt, UPPER, (xdrproc_t)xdr_wrapstring, &arg,
                 (xdrproc_t)xdr_wrapstring, &out);
            puts(out);
            xdr_free((xdrproc_t)xdr_wrapstring, (char *)&out);
        } else if (strcmp(line, "count") == 0) {
            int count;
            call(clnt, COUNT, (xdrproc_t)xdr_void, NULL, (xdrproc_t)xdr_int,
                 &count);
            printf("count = %d\n", count);
        } else {
            fprintf(stderr, "%s: bad request: %s\n", argv[0], line);
            status = 1;
        }
    }
    free(line);
    clnt_destroy(clnt);
    return status;
}
