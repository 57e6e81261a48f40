/* bb_consumer.c: takes N items out of the bounded buffer in shared memory,
 * prints each on its own line, then removes the shared memory object; while
 * the buffer is empty it gives the CPU away with sched_yield(). */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bounded_buffer.h"

int main(int argc, char *argv[])
{
    char *end = NULL;
    long n = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || end == argv[1] || *end != '\0' || n < 0) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }

    int fd = shm_open(SHM_NAME, O_CREAT | O_RDWR, 0666);
    if (fd == -1) {
        perror("shm_open");
        return 1;
    }
    if (ftruncate(fd, sizeof(shared_data)) == -1) {
        perror("ftruncate");
        return 1;
    }
    shared_data *data = mmap(NULL, sizeof(shared_data), PROT_READ | PROT_WRITE,
                             MAP_SHARED, fd, 0);
    if (data == MAP_FAILED) {
        perror("mmap");
        return 1;
    }

    for (int i = 0; i < n; i++) {
        while (data->in == data->out)
            sched_yield(); /* empty: let the producer run */
        __sync_synchronize(); /* read the item only after seeing in move */
        item next_consumed = data->buffer[data->out];
        __sync_synchronize(); /* done with the slot before handing it back */
        data->out = (data->out + 1) % BUFFER_SIZE;
        printf("%d\n", next_consumed);
    }

    munmap(data, sizeof(shared_data));
    close(fd);
    if (shm_unlink(SHM_NAME) == -1) {
        perror("shm_unlink");
        return 1;
    }
    return 0;
}
