/* A function whose first instruction has a lock prefix: the kernel cannot
 * put a uprobe there (it refuses with ENOTSUPP), as on glibc's
 * pthread_spin_lock. gtrace must name the function when a wildcard
 * includes it. The kernel checks the instruction when the file is mapped,
 * so the test keeps this program running (it sleeps argv[1] seconds) while
 * gtrace attaches. */
#include <stdlib.h>
#include <unistd.h>

int counter;

__attribute__((naked, noinline)) void locked_inc(void)
{
	__asm__("lock incl counter(%rip)\n\tret");
}

__attribute__((noinline)) int plain_1(int x) { return x + 1; }
__attribute__((noinline)) int plain_2(int x) { return x + 2; }
__attribute__((noinline)) int plain_3(int x) { return x + 3; }

int main(int argc, char **argv)
{
	if (argc > 1)
		sleep(atoi(argv[1]));
	locked_inc();
	return plain_1(0) + plain_2(0) + plain_3(0) - 6;
}
