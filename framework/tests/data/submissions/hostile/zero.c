/* Makes the compiler read an endless device: it must not take the machine's memory. */
#include "/dev/zero"
int main(void) { return 0; }
