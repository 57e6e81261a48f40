/*
 * sysvshm_producer.c - sysv-shm lab, starter file.
 *
 * Create a System V shared memory segment of SIZE ints with the key
 * ftok("SYSUOS", 42), attach it, write 1 2 3 4 5 into it, print
 * "Parent wrote to shared memory: <pointer>", sleep 10 seconds (the consumer
 * reads the segment meanwhile), detach it, remove it with
 * shmctl(IPC_RMID) and exit 0. See README.md for the full contract and the
 * checks.
 *
 * The file SYSUOS must exist in the current directory (touch SYSUOS).
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sysvshm_producer sysvshm_producer.c -lrt -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>   /* ftok, IPC_CREAT, IPC_RMID */
#include <sys/shm.h>   /* shmget, shmat, shmdt, shmctl */
#include <sys/types.h> /* key_t */
#include <unistd.h>    /* sleep */

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

    /* TODO 1: generate the key with ftok("SYSUOS", 42).
     *         It returns -1 on error (e.g. there is no file SYSUOS). */

    /* TODO 2: create the segment with shmget(): SIZE ints
     *         (SIZE * sizeof(int) bytes), mode 0666 (octal: with the
     *         leading 0), created if missing (IPC_CREAT).
     *         On failure (-1): perror() and exit(1). */

    /* TODO 3: attach it with shmat(). It returns (void *)-1 (not NULL)
     *         on error. */

    /* TODO 4: write 1 2 3 4 5 into the segment (arr_shared[0] = 1, ...). */

    /* TODO 5: print "Parent wrote to shared memory: %p\n" */

    /* TODO 6: sleep 10 seconds: the consumer reads the segment meanwhile. */

    /* TODO 7: detach the segment with shmdt(), then remove it with
     *         shmctl(shmid, IPC_RMID, NULL), and exit 0. */

    return 0;
}
