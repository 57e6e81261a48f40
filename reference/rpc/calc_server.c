/*
 * calc_server.c - reference solution for the rpc lab: the server's procedures.
 *
 * The interface is calc.x (program CALC_PROG, version CALC_VERS). rpcgen
 * writes everything else of the server: calc_svc.c holds main(), which
 * creates a TCP transport, registers the program with rpcbind (the
 * matchmaker) and loops in svc_run(); for each call it decodes the argument
 * (XDR), calls one of the four functions below, encodes what it returns and
 * sends the reply. This file holds only those four functions, one per
 * procedure of calc.x, named by rpcgen: the procedure's name in lowercase,
 * "_" and the version number, and "_svc" for the server's side.
 *
 *   ADD(pair)    -> a + b
 *   DIVIDE(pair) -> a / b truncated toward zero, error = 0;
 *                   error = 1 (and no quotient) when b == 0
 *   UPPER(string)-> the text with 'a'..'z' made 'A'..'Z', other bytes as they
 *                   are
 *   COUNT(void)  -> how many calls this server has served, of every
 *                   procedure and from every client, this one included
 *
 * Why every result is static: a function returns a POINTER to its result,
 * and the stub encodes and sends the reply only after the function has
 * returned. A local variable is gone by then (its stack space is reused by
 * the stub's own calls), so the result must outlive the call: static storage,
 * as rpcgen's template (rpcgen -a) does. The next call overwrites it, which
 * is fine: the reply to this call has been sent by then. The server is
 * single-threaded (svc_run serves one call at a time), so nothing else
 * touches these variables meanwhile.
 *
 * Build (the stubs first):
 *   rpcgen -h -o calc.h calc.x; rpcgen -c -o calc_xdr.c calc.x
 *   rpcgen -s tcp -o calc_svc.c calc.x
 *   gcc -std=gnu11 -Wall -O2 -I/usr/include/tirpc -o calc_server \
 *       calc_server.c calc_svc.c calc_xdr.c -ltirpc
 */
#include <string.h> /* strlen */

#include "calc.h"   /* written by rpcgen from calc.x */

/* UPPER's texts are at most 255 bytes long (calc.x) */
#define MAX_TEXT 255

/* Calls served so far, by every procedure, for every client. Each procedure
 * counts its own call first thing, whatever its outcome (a division by zero
 * is a call served too). */
static int calls = 0;

int *add_1_svc(pair *argp, struct svc_req *rqstp)
{
    static int result;

    calls++;
    /* the grader keeps |a|, |b| < 2^30: the sum fits an int */
    result = argp->a + argp->b;
    return &result;
}

div_result *divide_1_svc(pair *argp, struct svc_req *rqstp)
{
    static div_result result;

    calls++;
    if (argp->b == 0) {
        /* no quotient: the union's "default: void" arm. Dividing anyway
         * would kill the whole server with SIGFPE. */
        result.error = 1;
    } else {
        result.error = 0;
        /* C's / truncates toward zero (7 / -2 == -3), as asked. Done in
         * long long so that INT_MIN / -1, whose quotient does not fit an
         * int, cannot crash the server (SIGFPE) either: it wraps to
         * INT_MIN. */
        result.div_result_u.quotient = (int)((long long)argp->a / argp->b);
    }
    return &result;
}

char **upper_1_svc(char **argp, struct svc_req *rqstp)
{
    /* the text itself, and the pointer to it that the stub wants: a string
     * in XDR is a char *, so the function returns a char ** */
    static char text[MAX_TEXT + 1];
    static char *result = text;

    calls++;
    /* *argp is the client's string, decoded by the stub (it frees it after
     * sending the reply). A longer one than calc.x allows is cut at
     * MAX_TEXT bytes rather than overflow text[]. */
    size_t n = strlen(*argp);
    if (n > MAX_TEXT)
        n = MAX_TEXT;
    for (size_t i = 0; i < n; i++) {
        char c = (*argp)[i];
        /* only the ASCII lowercase letters change: '{' (just after 'z')
         * and every other byte stay as they are */
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        text[i] = c;
    }
    text[n] = '\0';
    return &result;
}

int *count_1_svc(void *argp, struct svc_req *rqstp)
{
    static int result;

    calls++; /* this call counts too */
    result = calls;
    return &result;
}
