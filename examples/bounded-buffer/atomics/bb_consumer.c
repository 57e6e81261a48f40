/* bb_consumer.c - bounded buffer consumer: takes N items out of the shared
 * circular buffer and prints them. Acquire on `in` makes the producer's
 * store of the item visible before we read the slot; release on `out` hands
 * the slot back only after we have read it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounded_buffer.h"

static shared_data *attach(void)
{
    int fd = shm_open(SHM_NAME, O_CREAT | O_RDWR, 0666);
    if (fd < 0) {
        perror("shm_open");
        exit(1);
    }
    if (ftruncate(fd, sizeof(shared_data)) < 0) {
        perror("ftruncate");
        exit(1);
    }
    void *p = mmap(NULL, sizeof(shared_data), PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    close(fd);
    return p;
}

static item take(shared_data *s)
{
    int out = __atomic_load_n(&s->out, __ATOMIC_RELAXED); /* only we write it */

    while (__atomic_load_n(&s->in, __ATOMIC_ACQUIRE) == out)
        ; /* empty: spin */
    item x = s->buffer[out];
    __atomic_store_n(&s->out, (out + 1) % BUFFER_SIZE, __ATOMIC_RELEASE);
    return x;
}

int main(int argc, char **argv)
{
    char *end;
    long n;

    if (argc != 2 || (n = strtol(argv[1], &end, 10)) < 0 || *end != '\0' ||
        end == argv[1]) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }

    shared_data *s = attach();
    for (long i = 0; i < n; i++)
        printf("%d\n", take(s));

    munmap(s, sizeof(shared_data));
    if (shm_unlink(SHM_NAME) < 0) {
        perror("shm_unlink");
        return 1;
    }
    return 0;
}
