/* A student's sleeper: the same as the reference. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  sleep(10);
  puts("awake");
  return 0;
}
