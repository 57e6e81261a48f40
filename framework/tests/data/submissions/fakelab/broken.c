/* A student's broken.c: the missing semicolon on line 5 is the point. */
#include <stdio.h>

int main(void) {
  puts("compiled")
  return 0;
}
