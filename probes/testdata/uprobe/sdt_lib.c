/* A shared library with USDT probes written by <sys/sdt.h>: "hit" is
 * guarded by its semaphore (the tracer's uprobe reference counter sets it),
 * "always" is not. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short sdtlib_hit_semaphore __attribute__((section(".probes")));
unsigned short sdtlib_always_semaphore __attribute__((section(".probes")));

void sdtlib_hit(int a)
{
	if (sdtlib_hit_semaphore)
		STAP_PROBE1(sdtlib, hit, a);
	STAP_PROBE1(sdtlib, always, a);
}
