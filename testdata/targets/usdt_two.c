// usdt_two: a second binary with tracetest probes, so that a wildcard in
// the file part (usdt:testprogs/usdt*:tracetest:*) names two files.
#include <sys/sdt.h>

int main(void)
{
	for (int i = 0; i < 2; i++)
		DTRACE_PROBE1(tracetest, probe3, i + 50);
	return 0;
}
