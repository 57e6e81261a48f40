/* bb_consumer.c */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bounded_buffer.h"

int main(int argc, char *argv[]) {
    /* shared memory file descriptor */
    int fd;
    /* pointer to the shared buffer */
    shared_data *shm;
    item next_consumed;
    int i, n;
    if (argc != 2 || sscanf(argv[1], "%d", &n) != 1) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        exit(2);
    }
    /* open (or create) the shared memory object */
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
    for (i = 0; i < n; i++) {
        while (shm->in == shm->out)
            ;    /* do nothing */
        next_consumed = shm->buffer[shm->out];
        shm->out = (shm->out + 1) % BUFFER_SIZE;
        /* consume the item in next_consumed */
        printf("%d\n", next_consumed);
    }
    /* remove the shared memory object */
    shm_unlink(SHM_NAME);
    return 0;
}
