/* The fake lab's reference broken.c: it compiles (the student's does not). */
#include <stdio.h>

int main(void) {
  puts("compiled");
  return 0;
}
