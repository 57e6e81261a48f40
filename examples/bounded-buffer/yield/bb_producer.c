/* bb_producer.c: reads one integer per line from stdin and puts it into the
 * bounded buffer in shared memory; while the buffer is full it gives the CPU
 * away with sched_yield() instead of spinning on it. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bounded_buffer.h"

int main(void)
{
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

    item next_produced;
    while (scanf("%d", &next_produced) == 1) {
        while (((data->in + 1) % BUFFER_SIZE) == data->out)
            sched_yield(); /* full: let the consumer run */
        data->buffer[data->in] = next_produced;
        __sync_synchronize(); /* the item is in memory before in moves */
        data->in = (data->in + 1) % BUFFER_SIZE;
    }

    munmap(data, sizeof(shared_data));
    close(fd);
    return 0;
}
