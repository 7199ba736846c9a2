/* A program with a <sys/sdt.h> probe whose arguments are globals (at -O2,
 * "-8@counter(%rip) -4@8+arr(%rip)"), at two sites, calling the probes of
 * sdt_lib.c.
 * Arguments: loops, ms to wait before them (for a tracer using -p). */
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

void sdtlib_hit(int a);

static long counter = 40;
int arr[4] = {1, 2, 3, 4};

int main(int argc, char **argv)
{
	int loops = argc > 1 ? atoi(argv[1]) : 3;
	if (argc > 2)
		usleep(atoi(argv[2]) * 1000);
	for (int i = 0; i < loops; i++) {
		STAP_PROBE2(sdtapp, glob, counter, arr[2]);
		counter++;
		arr[2] += i;
		sdtlib_hit(i);
	}
	/* A second site of the same probe: the globals are at other
	 * distances from it. */
	STAP_PROBE2(sdtapp, glob, counter, arr[2]);
	return 0;
}
