#ifndef BOUNDED_BUFFER_H
#define BOUNDED_BUFFER_H
#ifndef BUFFER_SIZE
#define BUFFER_SIZE 10
#endif
#define SHM_NAME "/SYSUOS_bb"
typedef int item;
typedef struct {
    volatile int in;                  /* next free position */
    volatile int out;                 /* first full position */
    volatile item buffer[BUFFER_SIZE];
} shared_data;
#endif
