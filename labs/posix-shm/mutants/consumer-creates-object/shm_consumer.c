/* mutant consumer-creates-object: consumer opens the object with O_CREAT | O_RDWR: without a producer it creates an empty object, prints an empty message and exits 0 */
/*
 * shm_consumer.c - reference solution for the posix-shm lab.
 *
 * Opens the existing POSIX shared memory object "SYSUOS" read-only, maps it,
 * prints the string stored at offset 0 (up to its NUL) and removes the object
 * with shm_unlink. If the object does not exist, it reports the error on
 * stderr and exits with status 1 without creating anything.
 *
 * Build: gcc -std=gnu11 -Wall -O2 -o shm_consumer shm_consumer.c -lrt -lpthread
 */
#include <fcntl.h>    /* O_RDONLY */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* shm_open, shm_unlink, mmap, munmap */
#include <sys/stat.h> /* fstat, mode constants */
#include <unistd.h>   /* close */

/* size (in bytes) of the shared memory object */
#define SIZE 4096
/* name of the shared memory object; glibc also accepts "/SYSUOS" for it */
static const char *const name = "SYSUOS";

int main(void)
{
    /* open the shared memory object */
    int fd = shm_open(name, O_CREAT | O_RDWR, 0666);
    if (fd == -1) {
        perror("shm_open");
        exit(1);
    }

    /* the producer sets the size to SIZE; be robust to a smaller object:
     * bytes of the mapping past the object's end must not be touched
     * (SIGBUS), so only read what the object really holds */
    struct stat st;
    if (fstat(fd, &st) == -1) {
        perror("fstat");
        exit(1);
    }
    size_t readable = st.st_size < SIZE ? (size_t)st.st_size : SIZE;

    /* memory map the shared memory object (read-only, like the descriptor) */
    char *ptr = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }

    if (close(fd) == -1) {
        perror("close");
        exit(1);
    }

    printf("ptr addr: %p\n", (void *)ptr);

    /* print the stored string as it is (it normally ends with its own
     * newline); never read past the object even if it holds no NUL */
    int n = (int)strnlen(ptr, readable);
    printf("Read ptr: %.*s", n, ptr);

    if (munmap(ptr, SIZE) == -1) {
        perror("munmap");
        exit(1);
    }

    /* remove the shared memory object: /dev/shm/SYSUOS disappears */
    if (shm_unlink(name) == -1) {
        perror("shm_unlink");
        exit(1);
    }

    return 0;
}
