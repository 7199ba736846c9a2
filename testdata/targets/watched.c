// watched: writes a byte at a fixed address (an anonymous mapping at
// 0x10000000) and calls set_value(&global, v) a few times, for
// watchpoint:0x10000000:1:w and watchpoint:set_value+arg0:4:w; "watched
// loop" goes on every 50 ms until killed (for -p).
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

volatile int global;

__attribute__((noinline)) void set_value(volatile int *where, int v)
{
	*where = v;
}

int main(int argc, char **argv)
{
	volatile uint8_t *fixed = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (fixed == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	int loop = argc > 1 && strcmp(argv[1], "loop") == 0;
	struct timespec pause = {0, 50 * 1000 * 1000};
	for (int i = 0; loop || i < 3; i++) {
		if (loop)
			nanosleep(&pause, NULL);
		fixed[0] = (uint8_t)i;
		set_value(&global, i);
	}
	return 0;
}
