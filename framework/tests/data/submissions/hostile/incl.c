/* Compiles a file of the grading machine into its own error messages: the
 * compiler must not see it. The test makes /root/labgrade-secret.h (root only). */
#include "/root/labgrade-secret.h"
int main(void) { return 0; }
