/*
 * calc_server.c - rpc lab, UPPER's result on the heap.
 *
 * ADD, DIVIDE and COUNT keep their results in static variables, as rpcgen's
 * template does. UPPER's result is a copy of the text made with strdup:
 * exactly as long as the text, whatever its length. It must outlive the call
 * (the stub sends the reply after upper_1_svc has returned), so it is freed
 * only at the next call of UPPER, when its reply is long gone. toupper()
 * changes only 'a'..'z' in the "C" locale, which the server never leaves.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

static unsigned served; /* calls of every procedure, from every client */

int *add_1_svc(pair *argp, struct svc_req *rqstp)
{
    static int sum;
    served++;
    sum = argp->a + argp->b;
    return &sum;
}

div_result *divide_1_svc(pair *argp, struct svc_req *rqstp)
{
    static div_result res;
    served++;
    memset(&res, 0, sizeof res);
    switch (argp->b) {
    case 0:
        res.error = 1; /* no quotient */
        break;
    default:
        res.div_result_u.quotient = argp->a / argp->b;
        break;
    }
    return &res;
}

char **upper_1_svc(char **argp, struct svc_req *rqstp)
{
    static char *res = NULL; /* the previous call's copy, already sent */

    served++;
    free(res);
    res = strdup(*argp);
    if (res == NULL) {
        /* out of memory: answer an empty text rather than nothing */
        static char empty[] = "";
        static char *none = empty;
        return &none;
    }
    for (char *p = res; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    return &res;
}

int *count_1_svc(void *argp, struct svc_req *rqstp)
{
    static int n;
    n = (int)++served;
    return &n;
}
