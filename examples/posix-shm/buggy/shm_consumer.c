/* demo: a typical student mistake — see labgrade's report */
/* shm_consumer.c: prints the message stored in the shared memory object SYSUOS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    const int SIZE = 4096;             /* size of the object in bytes */
    const char *name = "SYSUOS";       /* name of the object */
    int fd;
    char *ptr;

    /* open the existing shared memory object, read-only */
    fd = shm_open(name, O_RDONLY, 0666);
    if (fd == -1) {
        perror("shm_open");
        return 1;
    }
    /* map it into our address space */
    ptr = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("ptr addr: %p\n", (void *)ptr);

    /* read the message */
    printf("Read ptr: %s", ptr);

    munmap(ptr, SIZE);
    close(fd);
    return 0;
}
