/* A -c command with a fixed, small set of system calls (static: no
 * dynamic loader whose calls could vary): TestCpidSyscallCounts counts
 * them per tracepoint under bpftrace 0.17 and gtrace. */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	char b[8];
	int fd = open("/dev/null", O_RDONLY);

	read(fd, b, sizeof b);
	write(1, "x\n", 2);
	close(fd);
	return 0;
}
