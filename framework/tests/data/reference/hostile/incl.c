/* The hostile lab's second program, well-behaved: the submission's includes a secret of the machine. */
int main(void) { return 0; }
