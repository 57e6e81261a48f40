/*
 * calc_server.c - rpc lab, starter file: the server's procedures.
 *
 * Made from the template that "rpcgen -a calc.x" writes. It holds only the
 * four procedures of calc.x, one function each: the server's main() is in
 * calc_svc.c, which rpcgen writes (it registers the program with rpcbind
 * over TCP, then for each call decodes the argument, calls one of these
 * functions and sends back what it returned). Do not write a main().
 *
 *   ADD(pair)     -> a + b
 *   DIVIDE(pair)  -> a / b (C's /: truncated toward zero) with error = 0,
 *                    or error = 1 when b == 0
 *   UPPER(string) -> the text with 'a'..'z' made 'A'..'Z', nothing else
 *                    changed
 *   COUNT(void)   -> how many calls the server has served, of every
 *                    procedure, from every client, this one included
 *
 * Each function returns a POINTER to its result, and the stub sends the
 * reply after the function has returned: keep every result in static
 * storage, as below (never a local variable: it is gone by then).
 * See README.md for the full contract and the checks.
 *
 * Build: make calc_server (see the Makefile), or
 *   rpcgen -h -o calc.h calc.x; rpcgen -c -o calc_xdr.c calc.x
 *   rpcgen -s tcp -o calc_svc.c calc.x
 *   gcc -std=gnu11 -Wall -O2 -I/usr/include/tirpc -o calc_server \
 *       calc_server.c calc_svc.c calc_xdr.c -ltirpc
 */
#include <string.h> /* strlen */

#include "calc.h"   /* written by rpcgen from calc.x: pair, div_result, ... */

/* TODO 1: a counter of the calls served so far, shared by the four
 *         functions (a static variable outside them). Each function adds 1
 *         to it, whatever the outcome (a division by zero counts too). */

int *add_1_svc(pair *argp, struct svc_req *rqstp)
{
    static int result;

    /* TODO 2: count this call; result = the sum of argp->a and argp->b */

    return &result;
}

div_result *divide_1_svc(pair *argp, struct svc_req *rqstp)
{
    static div_result result;

    /* TODO 3: count this call. If argp->b == 0: result.error = 1 (and do
     *         NOT divide: a division by zero kills the whole server with
     *         SIGFPE). Otherwise: result.error = 0 and
     *         result.div_result_u.quotient = argp->a / argp->b. */

    return &result;
}

char **upper_1_svc(char **argp, struct svc_req *rqstp)
{
    /* a string is a char * in C: the argument comes as a pointer to one
     * (*argp is the text), and the function returns a pointer to one */
    static char text[256]; /* 255 bytes and the '\0' */
    static char *result = text;

    /* TODO 4: count this call; copy *argp into text with every 'a'..'z'
     *         made 'A'..'Z' (only those: '{' just after 'z' stays '{'),
     *         and end it with a '\0'. */

    return &result;
}

int *count_1_svc(void *argp, struct svc_req *rqstp)
{
    static int result;

    /* TODO 5: count this call too, then result = the counter */

    return &result;
}
