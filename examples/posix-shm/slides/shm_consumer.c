/* shm_consumer.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main() {
    /* size (in bytes) of shared memory object */
    const int SIZE = 4096;
    /* name of the shared memory object */
    const char *name = "SYSUOS";
    /* shared memory file descriptor */
    int fd;
    /* pointer to shared memory object */
    char *ptr;
    /* create the shared memory object */
    fd = shm_open(name, O_RDONLY, 0666);
    if (fd == -1) {
        fprintf(stderr, "shm_open() failed.\n");
        exit(1);
    }
    /* memory map the shared memory object */
    ptr = (char *)mmap(0, SIZE, PROT_READ,
                  MAP_SHARED, fd, 0);
    printf("ptr addr: %p\n", ptr);
    /* read from the shared memory object */
    printf("Read ptr: %s", ptr);
    /* remove the shared memory object */
    shm_unlink(name);
    return 0;
}
