/*
 * calc_server.c - rpc lab, one helper counts, one buffer for UPPER.
 *
 * Every procedure starts with served(), the one place that counts calls, so
 * none can forget it (COUNT reads the counter after counting itself). The
 * results are static; UPPER's is a fixed buffer of 256 bytes (calc.x allows
 * 255 and the '\0'), filled with a bounded loop.
 */
#include "calc.h"

#define TEXT_MAX 255

static int calls;

/* counts one call; returns the number of calls so far, this one included */
static int served(void)
{
    return ++calls;
}

int *add_1_svc(pair *argp, struct svc_req *rqstp)
{
    static int r;
    served();
    r = argp->a + argp->b;
    return &r;
}

div_result *divide_1_svc(pair *argp, struct svc_req *rqstp)
{
    static div_result r;
    served();
    if (argp->b == 0)
        r = (div_result){.error = 1};
    else
        r = (div_result){.error = 0, .div_result_u.quotient = argp->a / argp->b};
    return &r;
}

char **upper_1_svc(char **argp, struct svc_req *rqstp)
{
    static char buf[TEXT_MAX + 1];
    static char *r = buf;
    const char *in = *argp;
    int i;

    served();
    for (i = 0; i < TEXT_MAX && in[i] != '\0'; i++)
        buf[i] = ('a' <= in[i] && in[i] <= 'z') ? in[i] - 32 : in[i];
    buf[i] = '\0';
    return &r;
}

int *count_1_svc(void *argp, struct svc_req *rqstp)
{
    static int r;
    r = served();
    return &r;
}
