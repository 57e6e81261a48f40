/* A student's segment: the same as the reference. */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
  int detach = argc > 1 && strcmp(argv[1], "detach") == 0;
  int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  if (id < 0) {
    perror("shmget");
    return 1;
  }
  char *p = shmat(id, NULL, 0);
  if (p == (void *)-1) {
    perror("shmat");
    shmctl(id, IPC_RMID, NULL);
    return 1;
  }
  strcpy(p, "hello");
  if (detach && shmdt(p) != 0) perror("shmdt");
  shmctl(id, IPC_RMID, NULL);
  return 0;
}
