/* main.c - the jeos command line: parse the command, run the stage. */
#include <stdio.h>
int main(void) { return 0; }
