/*
 * sysvshm_producer.c - reference solution for the sysv-shm lab.
 *
 * Creates a System V shared memory segment of 5 ints with the key
 * ftok("SYSUOS", 42) (the file SYSUOS must exist in the current directory),
 * writes 1 2 3 4 5 into it, prints its address, sleeps 10 seconds so that a
 * consumer can read it meanwhile, then detaches and removes the segment.
 *
 * Usage:
 *   sysvshm_producer                      write 1 2 3 4 5 (the lab contract)
 *   sysvshm_producer --values A B C D E   write the 5 ints A..E instead (used
 *                                         by the grader, which passes random
 *                                         ints when this program is the peer
 *                                         of a student's consumer)
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sysvshm_producer sysvshm_producer.c -lrt -lpthread
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>   /* ftok, IPC_CREAT, IPC_RMID */
#include <sys/shm.h>   /* shmget, shmat, shmdt, shmctl */
#include <sys/types.h> /* key_t */
#include <unistd.h>    /* sleep */

/* number of ints in the shared memory segment */
#define SIZE 5
/* ftok() arguments: an existing file and a project id */
static const char *const key_path = "SYSUOS";
static const int key_id = 42;

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--values A B C D E]\n", prog);
    exit(2);
}

/* parse a whole decimal int (no trailing garbage, no overflow) */
static int parse_int(const char *prog, const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < INT_MIN || v > INT_MAX) {
        fprintf(stderr, "%s: not an int: '%s'\n", prog, text);
        usage(prog);
    }
    return (int)v;
}

int main(int argc, char *argv[])
{
    int values[SIZE];

    if (argc == 1) {
        for (int i = 0; i < SIZE; i++)
            values[i] = i + 1;
    } else if (argc == 2 + SIZE && strcmp(argv[1], "--values") == 0) {
        for (int i = 0; i < SIZE; i++)
            values[i] = parse_int(argv[0], argv[2 + i]);
    } else {
        usage(argv[0]);
    }

    /* generate the key of the shared memory segment from the file SYSUOS */
    key_t key = ftok(key_path, key_id);
    if (key == (key_t)-1) {
        fprintf(stderr, "ftok(\"%s\", %d): %s (does the file %s exist in the current directory?)\n",
                key_path, key_id, strerror(errno), key_path);
        exit(1);
    }

    /* create the segment (or get it if it already exists): SIZE ints,
     * read+write for everyone (0666, octal) */
    int shmid = shmget(key, SIZE * sizeof(int), 0666 | IPC_CREAT);
    if (shmid == -1) {
        perror("shmget");
        exit(1);
    }

    /* attach the segment to this process's address space */
    int *arr_shared = shmat(shmid, NULL, 0);
    if (arr_shared == (void *)-1) {
        perror("shmat");
        exit(1);
    }

    for (int i = 0; i < SIZE; i++)
        arr_shared[i] = values[i];

    printf("Parent wrote to shared memory: %p\n", (void *)arr_shared);

    /* give a consumer time to read the segment */
    sleep(10);

    /* detach the segment */
    if (shmdt(arr_shared) == -1) {
        perror("shmdt");
        exit(1);
    }

    /* remove the segment. If another process has already removed it (a
     * consumer must not, but the grader runs this program as the peer of
     * students' consumers), say so but do not fail: this program did its
     * part, and the grader reports the consumer's mistake on its own. */
    if (shmctl(shmid, IPC_RMID, NULL) == -1) {
        if (errno == EINVAL || errno == EIDRM) {
            fprintf(stderr, "shmctl(IPC_RMID): the segment was already removed by another process\n");
        } else {
            perror("shmctl(IPC_RMID)");
            exit(1);
        }
    }

    return 0;
}
