/* sq is always inlined into outer (and -O2 keeps it so): a profile of
 * outer sees sq's code as an inlined frame, called at the CALL line. */
static inline __attribute__((always_inline)) unsigned long sq(unsigned long x) {
	volatile unsigned long y = x; /* SQ */
	return y * y;
}

__attribute__((noinline)) unsigned long outer(unsigned long n) {
	unsigned long s = 0;
	for (unsigned long i = 0; i < n; i++)
		s += sq(i); /* CALL */
	return s;
}

int main(int argc, char **argv) {
	(void)argv;
	return (int)outer((unsigned long)argc * 1000);
}
