/* The well-behaved program of the hostile lab: "wait" blocks until killed
 * (a peer that a hostile program may try to kill), anything else prints ok. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        for (;;) pause();
    }
    puts("ok");
    return 0;
}
