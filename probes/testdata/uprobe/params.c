/* Functions whose DWARF parameters `-lv 'uprobe:BIN:p_*'` lists: every
 * kind of parameter type bpftrace 0.17 names (or calls <unknown type>). */
#include <stddef.h>
#include <stdint.h>

struct point { int x, y; };
typedef struct point point_t;
typedef struct { int a; } anon_t;
union u { int a; float b; };
enum color { RED, GREEN };
typedef int (*cb_t)(int);

__attribute__((noinline)) int p_scalars(const char *s, unsigned long n, struct point *p, point_t q, union u uu, enum color c)
{
	return s[0] + n + p->x + q.y + uu.a + c;
}

__attribute__((noinline)) int p_none(void) { return 1; }

__attribute__((noinline)) int p_numbers(int (*fn)(int), cb_t cb, int arr[], const volatile unsigned char **pp, uint64_t u64, size_t sz, _Bool b, float fl, double d, long double ld, char c, signed char sc, short sh, unsigned short us, long long ll, unsigned long long ull)
{
	return fn(1) + cb(2) + arr[0] + **pp + u64 + sz + b + fl + d + ld + c + sc + sh + us + ll + ull;
}

__attribute__((noinline)) void p_variadic(void *v, const void *cv, struct point *const cp, int x, ...)
{
	(void)v, (void)cv, (void)cp, (void)x;
}

static __attribute__((noinline)) int p_static(int unused) { return unused ? 2 : 3; }

struct anon_holder { int z; };
__attribute__((noinline)) int p_qualifiers(const struct point *cp, int (*ap)[3], struct point **pp, const int *const cc, char *restrict r, volatile int v, anon_t at, const char **ccp, char *const *cpc)
{
	return cp->x + (*ap)[0] + (*pp)->y + *cc + r[0] + v + at.a + ccp[0][0] + cpc[0][0];
}

static int id(int x) { return x; }

int main(int argc, char **argv)
{
	struct point p = {1, 2}, *pp = &p;
	union u uu = {1};
	int a[3] = {0}, c = 1;
	char s[2] = "x";
	anon_t at = {1};
	const char *cs = s;
	char *const cps = s;
	const volatile unsigned char uc = 1, *puc = &uc;
	p_variadic(0, 0, &p, 1, 2);
	return p_scalars(argv[0], 1, &p, p, uu, RED) + p_none() +
	       p_numbers(id, id, a, &puc, 1, 2, 1, 1.0f, 2.0, 3.0L, 'a', 1, 2, 3, 4, 5) +
	       p_static(argc) + p_qualifiers(&p, &a, &pp, &c, s, 1, at, &cs, &cps);
}
