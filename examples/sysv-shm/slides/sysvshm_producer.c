/* sysvshm_producer.c */
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
    int shmid = shmget(key, SIZE * sizeof(int), 0666 | IPC_CREAT);
   // Attach shared memory segment to process's address space
    int *arr_shared = (int *)shmat(shmid, NULL, 0);
    for (int i = 0; i < SIZE; i++) {
        arr_shared[i] = i+1;
    }
    printf("Parent wrote to shared memory: %p\n", arr_shared);
    sleep(10);
    // Detach the shared memory segment
    shmdt(arr_shared);
    // Remove the shared memory segment
    shmctl(shmid, IPC_RMID, NULL);
    return 0;
}
