/* A program with a known call tree for the flame graph tests: main calls
 * a, which calls b, and main calls c. b burns three times the CPU time c
 * burns, so a profile puts 3/4 of the program under main;a;b and 1/4 under
 * main;c. It runs for argv[1] milliseconds of CPU time (default 2000), or
 * at most ten seconds of wall time on a busy machine. */
#include <stdlib.h>
#include <time.h>

volatile unsigned long sink;

static double ms(clockid_t clock) {
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* burn spins until budget ms of this thread's CPU time have passed. It is
 * a macro so that the spinning happens in the function that uses it. */
#define burn(budget)                                                     \
	do {                                                             \
		double end_ = ms(CLOCK_THREAD_CPUTIME_ID) + (budget);    \
		while (ms(CLOCK_THREAD_CPUTIME_ID) < end_)               \
			for (int i_ = 0; i_ < 200000; i_++)              \
				sink += i_;                              \
	} while (0)

__attribute__((noinline)) void b(void) { burn(30); }

__attribute__((noinline)) void a(void) {
	b();
	sink++; /* no tail call: a stays on the stack under b */
}

__attribute__((noinline)) void c(void) { burn(10); }

int main(int argc, char **argv) {
	double budget = argc > 1 ? atof(argv[1]) : 2000;
	double cpu0 = ms(CLOCK_THREAD_CPUTIME_ID), wall0 = ms(CLOCK_MONOTONIC);
	while (ms(CLOCK_THREAD_CPUTIME_ID) - cpu0 < budget && ms(CLOCK_MONOTONIC) - wall0 < 10000) {
		a();
		c();
	}
	return 0;
}
