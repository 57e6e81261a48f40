/*
 * sysvshm_consumer.c - sysv-shm lab, starter file.
 *
 * Get the existing System V shared memory segment with the key
 * ftok("SYSUOS", 42) (made by the producer, which must be running), attach
 * it, print "Child read from shared memory: <pointer>", then the SIZE ints it
 * holds separated by single spaces and a newline, detach it and exit 0.
 * Do not create the segment (no IPC_CREAT) and do not remove it (no
 * IPC_RMID). If there is no segment: print an error to stderr and exit 1.
 * See README.md for the full contract and the checks.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sysvshm_consumer sysvshm_consumer.c -lrt -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>   /* ftok */
#include <sys/shm.h>   /* shmget, shmat, shmdt */
#include <sys/types.h> /* key_t */
#include <unistd.h>

/* number of ints in the shared memory segment */
#define SIZE 5

int main(void)
{
    /* key of the shared memory segment */
    key_t key = -1;
    /* identifier of the shared memory segment */
    int shmid = -1;
    /* pointer to the attached segment */
    int *arr_shared = NULL;

    /* TODO: delete this line once you use the variables above
     * (it only keeps the compiler from warning that they are unused) */
    (void)key; (void)shmid; (void)arr_shared;

    /* TODO 1: generate the same key as the producer: ftok("SYSUOS", 42). */

    /* TODO 2: get the existing segment with shmget(): SIZE * sizeof(int)
     *         bytes, mode 0666, and NO IPC_CREAT (a consumer must not
     *         create the segment). If it fails (-1, there is no segment):
     *         print the error on stderr (perror() does) and exit(1). */

    /* TODO 3: attach it with shmat(). It returns (void *)-1 (not NULL)
     *         on error: check it before you read the segment. */

    /* TODO 4: print "Child read from shared memory: %p\n" */

    /* TODO 5: print the SIZE ints of the segment separated by single
     *         spaces, then a newline ("1 2 3 4 5"). Print what is in the
     *         segment: the grader's producer writes random ints. */

    /* TODO 6: detach the segment with shmdt() and exit 0. Do NOT call
     *         shmctl(IPC_RMID): the producer removes the segment. */

    return 0;
}
