/*
 * sysvshm_consumer.c - reference solution for the sysv-shm lab.
 *
 * Gets the existing System V shared memory segment with the key
 * ftok("SYSUOS", 42) (made by sysvshm_producer, which must be running),
 * attaches it, prints its address and the 5 ints it holds, and detaches it.
 * It never creates the segment (no IPC_CREAT) and never removes it (the
 * producer does). If there is no segment, it reports the error on stderr and
 * exits with status 1.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o sysvshm_consumer sysvshm_consumer.c -lrt -lpthread
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>   /* ftok */
#include <sys/shm.h>   /* shmget, shmat, shmdt */
#include <sys/types.h> /* key_t */
#include <unistd.h>

/* number of ints in the shared memory segment */
#define SIZE 5
/* ftok() arguments: must be the producer's */
static const char *const key_path = "SYSUOS";
static const int key_id = 42;

int main(void)
{
    /* generate the same key as the producer */
    key_t key = ftok(key_path, key_id);
    if (key == (key_t)-1) {
        fprintf(stderr, "ftok(\"%s\", %d): %s (does the file %s exist in the current directory?)\n",
                key_path, key_id, strerror(errno), key_path);
        exit(1);
    }

    /* get the existing segment: no IPC_CREAT, so a missing segment is an
     * error (ENOENT) instead of a new segment full of zeros */
    int shmid = shmget(key, SIZE * sizeof(int), 0666);
    if (shmid == -1) {
        perror("shmget (is sysvshm_producer running?)");
        exit(1);
    }

    /* attach the segment, read-only: this program only reads it */
    const int *arr_shared = shmat(shmid, NULL, SHM_RDONLY);
    if (arr_shared == (void *)-1) {
        perror("shmat");
        exit(1);
    }

    printf("Child read from shared memory: %p\n", (const void *)arr_shared);
    for (int i = 0; i < SIZE; i++)
        printf(i == 0 ? "%d" : " %d", arr_shared[i]);
    printf("\n");

    /* detach the segment; do NOT remove it (no IPC_RMID): the producer
     * still uses it and removes it itself */
    if (shmdt(arr_shared) == -1) {
        perror("shmdt");
        exit(1);
    }

    return 0;
}
