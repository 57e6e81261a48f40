/* bb_producer.c */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bounded_buffer.h"

int main() {
    /* shared memory file descriptor */
    int fd;
    /* pointer to the shared buffer */
    shared_data *shm;
    item next_produced;
    /* create the shared memory object */
    fd = shm_open(SHM_NAME, O_CREAT | O_RDWR, 0666);
    if (fd == -1) {
        fprintf(stderr, "shm_open() failed.\n");
        exit(1);
    }
    /* configure the size of the shared object */
    ftruncate(fd, sizeof(shared_data));
    /* memory map the shared memory object */
    shm = (shared_data *)mmap(0, sizeof(shared_data), PROT_READ |
                  PROT_WRITE, MAP_SHARED, fd, 0);
    while (scanf("%d", &next_produced) == 1) {
        /* produce an item in next_produced */
        while (((shm->in + 1) % BUFFER_SIZE) == shm->out)
            ;    /* do nothing */
        shm->buffer[shm->in] = next_produced;
        shm->in = (shm->in + 1) % BUFFER_SIZE;
    }
    return 0;
}
