/*
 * calc_client.c - rpc lab, lines with fgets, split with strtok.
 *
 * Each line is read with fgets into a fixed buffer (the longest request,
 * "upper " and 255 bytes, fits with room to spare). strtok cuts the verb off
 * at the first space; strtok(NULL, "") then returns the rest of the line as
 * it is, spaces included: UPPER's text, or the two numbers that sscanf
 * reads. The string UPPER returns was malloc'ed by the stub's XDR code:
 * clnt_freeres gives it back. A line it does not understand is reported on
 * stderr and skipped; the exit status stays 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

static void failed(CLIENT *clnt, const char *what)
{
    clnt_perror(clnt, what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s HOST\n", argv[0]);
        return 2;
    }
    CLIENT *clnt = clnt_create(argv[1], CALC_PROG, CALC_VERS, "tcp");
    if (clnt == NULL) {
        clnt_pcreateerror(argv[1]);
        return 1;
    }

    char buf[1024];
    while (fgets(buf, sizeof buf, stdin) != NULL) {
        buf[strcspn(buf, "\n")] = '\0';
        char *verb = strtok(buf, " ");
        char *rest = strtok(NULL, ""); /* NULL if nothing follows */
        pair p;
        char extra;

        if (verb == NULL) {
            fprintf(stderr, "%s: empty line skipped\n", argv[0]);
        } else if (strcmp(verb, "add") == 0 && rest != NULL &&
                   sscanf(rest, "%d %d %c", &p.a, &p.b, &extra) == 2) {
            int *r = add_1(&p, clnt);
            if (r == NULL)
                failed(clnt, "ADD");
            printf("%d + %d = %d\n", p.a, p.b, *r);
        } else if (strcmp(verb, "div") == 0 && rest != NULL &&
                   sscanf(rest, "%d %d %c", &p.a, &p.b, &extra) == 2) {
            div_result *r = divide_1(&p, clnt);
            if (r == NULL)
                failed(clnt, "DIVIDE");
            if (r->error)
                printf("%d / %d = error\n", p.a, p.b);
            else
                printf("%d / %d = %d\n", p.a, p.b, r->div_result_u.quotient);
        } else if (strcmp(verb, "upper") == 0 && rest != NULL) {
            char **r = upper_1(&rest, clnt);
            if (r == NULL)
                failed(clnt, "UPPER");
            fputs(*r, stdout);
            putchar('\n');
            clnt_freeres(clnt, (xdrproc_t)xdr_wrapstring, (caddr_t)r);
        } else if (strcmp(verb, "count") == 0 && rest == NULL) {
            int *r = count_1(NULL, clnt);
            if (r == NULL)
                failed(clnt, "COUNT");
            printf("count = %d\n", *r);
        } else {
            fprintf(stderr, "%s: unknown request skipped: %s\n", argv[0], verb);
        }
    }

    clnt_destroy(clnt);
    return 0;
}
