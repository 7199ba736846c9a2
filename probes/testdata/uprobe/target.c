/* A small program for gtrace's uprobe and usdt tests, built by the tests
 * with gcc. Its USDT probes are written by hand (no <sys/sdt.h>): a
 * .note.stapsdt note per site, in SystemTap SDT v3 format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One probe site: a nop at label 990, and a note holding its address, the
 * .stapsdt.base address, the semaphore address, and the strings. */
#define GT_SDT(provider, name, sem, args, ...)                                  \
	__asm__ __volatile__("990: nop\n"                                       \
			     ".pushsection .note.stapsdt,\"\",\"note\"\n"       \
			     ".balign 4\n"                                      \
			     ".4byte 992f-991f, 994f-993f, 3\n"                 \
			     "991: .asciz \"stapsdt\"\n"                        \
			     "992: .balign 4\n"                                 \
			     "993: .8byte 990b\n"                               \
			     ".8byte _.stapsdt.base\n"                          \
			     ".8byte " sem "\n"                                 \
			     ".asciz \"" provider "\"\n"                        \
			     ".asciz \"" name "\"\n"                            \
			     ".asciz \"" args "\"\n"                            \
			     "994: .balign 4\n"                                 \
			     ".popsection\n"                                    \
			     ".ifndef _.stapsdt.base\n"                         \
			     ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
			     ".weak _.stapsdt.base\n"                           \
			     ".hidden _.stapsdt.base\n"                         \
			     "_.stapsdt.base: .space 1\n"                       \
			     ".size _.stapsdt.base, 1\n"                        \
			     ".popsection\n"                                    \
			     ".endif\n" ::__VA_ARGS__)

/* The semaphore of gt:gated: the kernel increments it while a probe is
 * attached (uprobe reference counter), and the program tests it. */
unsigned short gt_gated_semaphore __attribute__((section(".probes"))) = 0;

__attribute__((noinline)) int work(int n)
{
	__asm__ __volatile__("");
	return n * 2;
}

__attribute__((noinline)) long greet(const char *s)
{
	__asm__ __volatile__("");
	return (long)strlen(s);
}

int main(int argc, char **argv)
{
	int loops = argc > 1 ? atoi(argv[1]) : 10;
	long total = 0;
	if (argc > 2) /* give a tracer started with -p time to attach */
		usleep(atoi(argv[2]) * 1000);
	for (int i = 0; i < loops; i++) {
		int a = i;
		long b = 1000L + i;
		GT_SDT("gt", "tick", "0", "-4@%[a] 8@%[b] -4@$7", [a] "r"(a), [b] "r"(b));
		/* a memory operand: "8@16(%rsp)" or the like */
		GT_SDT("gt", "mem", "0", "8@%[m]", [m] "m"(b));
		total += work(i);
		total += greet(i % 2 ? "hello" : "hi");
		if (gt_gated_semaphore)
			GT_SDT("gt", "gated", "gt_gated_semaphore", "-4@%[a]", [a] "r"(a));
	}
	getpid();
	printf("%ld\n", total);
	if (argc > 3) /* linger, so that a tracer sees the final mappings */
		usleep(atoi(argv[3]) * 1000);
	return 0;
}
