/* demo: a typical student mistake — see labgrade's report */
/* shm_producer.c: writes "Hello, World!\n" into the shared memory object SYSUOS */
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
    const char *msg = "Hello, World!\n";
    int fd;
    char *ptr;

    /* create the shared memory object */
    fd = shm_open(name, O_CREAT | O_RDWR, 0666);
    if (fd == -1) {
        perror("shm_open");
        return 1;
    }
    /* set its size */
    if (ftruncate(fd, SIZE) == -1) {
        perror("ftruncate");
        return 1;
    }
    /* map it into our address space */
    ptr = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("ptr addr: %p\n", (void *)ptr);

    /* write the message (sprintf also writes the terminating NUL) */
    sprintf(ptr, "%s", msg);

    munmap(ptr, SIZE);
    close(fd);
    return 0;
}
