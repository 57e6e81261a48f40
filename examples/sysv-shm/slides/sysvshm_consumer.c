/* sysvshm_consumer.c */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <unistd.h>
#define SIZE 5
int main() {
   // Generate a unique key for the shared memory segment
    key_t key = ftok("SYSUOS", 42);
    // Create a shared memory segment
    int shmid = shmget(key, SIZE * sizeof(int), 0666);
   // Attach shared memory segment to process's address space
    int *arr_shared = (int *)shmat(shmid, NULL, 0);
    printf("Child read from shared memory: %p\n", arr_shared);
    for (int i = 0; i < SIZE; i++) {
        printf("%d ", arr_shared[i]);
    }
    printf("\n");
    // Detach the shared memory segment
    shmdt(arr_shared);
    return 0;
}
