/* A program for the container test: it runs hot_loop for argv[1] seconds.
 * The test bind-mounts it, in a mount namespace of its own, over a path
 * where the host has another binary (target.c), as a container image
 * does: gtrace must read the file the process runs. */
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) void hot_loop(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

int main(int argc, char **argv)
{
	time_t end = time(0) + atoi(argv[1]);
	while (time(0) < end)
		hot_loop(100000);
	return 0;
}
