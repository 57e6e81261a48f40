/* bb_producer.c - bounded buffer producer: stdin -> shared circular buffer.
 * The indexes are read and written with GCC's __atomic builtins: the item
 * is stored before the new `in` is published (release), and the consumer's
 * `out` is read with acquire, so its read of a slot happens before we reuse it. */
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

static void put(shared_data *s, item x)
{
    int in = __atomic_load_n(&s->in, __ATOMIC_RELAXED); /* only we write it */
    int next = (in + 1) % BUFFER_SIZE;

    while (__atomic_load_n(&s->out, __ATOMIC_ACQUIRE) == next)
        ; /* full: spin */
    s->buffer[in] = x;
    __atomic_store_n(&s->in, next, __ATOMIC_RELEASE);
}

int main(void)
{
    shared_data *s = attach();
    char line[64];

    while (fgets(line, sizeof line, stdin))
        put(s, (item)strtol(line, NULL, 10));

    munmap(s, sizeof(shared_data));
    return 0;
}
