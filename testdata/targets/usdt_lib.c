// usdt_lib: a shared library with a probe of its own provider (libtrace),
// linked into usdt_app, so that usdt::libtrace:fired with -p finds it
// among the process's mappings.
#include <sys/sdt.h>

void lib_fire(int i)
{
	DTRACE_PROBE1(libtrace, fired, i + 7);
}
