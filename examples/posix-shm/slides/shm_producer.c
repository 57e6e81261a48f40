/* shm_producer.c */
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
   /* strings written to shared memory */
    const char *msg = "Hello, World!\n";
   /* shared memory file descriptor */
    int fd;
   /* pointer to shared memory object */
    char *ptr;
   /* create the shared memory object */
    fd = shm_open(name, O_CREAT | O_RDWR, 0666);
    /* configure the size of the shared object */
    ftruncate(fd, SIZE);
   /* memory map the shared memory object */
    ptr = (char *)mmap(0, SIZE, PROT_READ |
                  PROT_WRITE, MAP_SHARED, fd, 0);
    printf("ptr addr: %p\n", ptr);
    /* write to the shared memory object */
    sprintf(ptr, "%s", msg);
    ptr += strlen(msg);
    return 0;
}
