// usdt_app: USDT probes of two providers (tracetest, other), one gated by a
// semaphore, one with constant arguments of every width and sign, and one
// in the shared library usdt_lib.so. "usdt_app N" fires each probe N times
// (default 3) and exits; "usdt_app loop" fires them every 50 ms until killed
// (for -p).
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// With _SDT_HAS_SEMAPHORES every probe of this file has a semaphore; only
// tracetest:gated is guarded by its own.
#define SEMAPHORE(provider, name) \
	unsigned short provider##_##name##_semaphore __attribute__((unused, section(".probes")))
SEMAPHORE(tracetest, probe1);
SEMAPHORE(tracetest, probe2);
SEMAPHORE(other, probe2);
SEMAPHORE(tracetest, gated);
SEMAPHORE(consts, widths);

void lib_fire(int i); // usdt_lib.c

static void fire(int i)
{
	DTRACE_PROBE2(tracetest, probe1, i, "usdt arg");
	DTRACE_PROBE1(tracetest, probe2, i * 10);
	DTRACE_PROBE1(other, probe2, i * 100);
	if (tracetest_gated_semaphore)
		DTRACE_PROBE1(tracetest, gated, i + 1000);
	DTRACE_PROBE6(consts, widths, (uint32_t)0xf3f2f1f0, (int32_t)0xf3f2f1f0, (uint16_t)0xf1f0,
		      (int16_t)0xf1f0, (uint8_t)0xf0, (int8_t)0xf0);
	lib_fire(i);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "loop") == 0) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		for (int i = 0;; i++) {
			fire(i);
			nanosleep(&ts, NULL);
		}
	}
	int n = argc > 1 ? atoi(argv[1]) : 3;
	for (int i = 0; i < n; i++)
		fire(i);
	return 0;
}
