/* The hostile lab's third program, well-behaved: the submission's reads /dev/zero as a header. */
int main(void) { return 0; }
