/* The fake lab's reference prog: prints "ok"; "fail" exits 3; "crash" raises SIGSEGV. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "fail") == 0) {
    fprintf(stderr, "prog: asked to fail\n");
    return 3;
  }
  if (argc > 1 && strcmp(argv[1], "crash") == 0) raise(SIGSEGV);
  puts("ok");
  return 0;
}
