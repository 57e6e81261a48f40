/* The fake clock lab's sleeper: sleeps 10 s (under the grader: until woken), then says so. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  sleep(10);
  puts("awake");
  return 0;
}
