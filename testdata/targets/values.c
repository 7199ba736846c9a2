// values: functions that take structs, arrays and pointers, called once
// each with known contents, for scripts that read them through arg0/arg1
// with casts to script-defined types.
#include <stdint.h>
#include <string.h>

struct point {
	int x;
	int y;
};

struct rect {
	struct point tl;
	struct point br;
	char name[8];
};

struct grid {
	int x[4];
	int m[2][2];
	int *p[4];
};

struct frame {
	uint8_t mac[6];
	uint16_t port;
	char tag[4];
	uint8_t payload[8];
};

struct flags {
	unsigned int a : 4, b : 8, c : 3, d : 1, e : 16;
};

struct packed_bits {
	unsigned short a : 4, b : 8, c : 3, d : 1;
	unsigned int e : 9, f : 15, g : 1, h : 2, i : 5;
	signed char s : 3;
};

struct mixed {
	uint8_t small;
	uint64_t big;
	int32_t mid;
};

struct segment {
	struct point pts[3];
	int n;
};

uint32_t numbers[6] = {11, 22, 33, 44, 55, 66};

// noinline and the empty asm keep each call and its argument in place at -O1.
#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

__attribute__((noinline)) void take_point(struct point *p) { KEEP(p); }
__attribute__((noinline)) void take_points(struct point *a, struct point *b) { KEEP(a); KEEP(b); }
__attribute__((noinline)) void take_rect(struct rect *r) { KEEP(r); }
__attribute__((noinline)) void take_grid(struct grid *g, int i) { KEEP(g); KEEP(i); }
__attribute__((noinline)) void take_ints(int *a) { KEEP(a); }
__attribute__((noinline)) void take_frame(struct frame *f) { KEEP(f); }
__attribute__((noinline)) void take_flags(struct flags *f) { KEEP(f); }
__attribute__((noinline)) void take_bits(struct packed_bits *b) { KEEP(b); }
__attribute__((noinline)) void take_mixed(struct mixed *m) { KEEP(m); }
__attribute__((noinline)) void take_numbers(uint32_t *n, long count) { KEEP(n); KEEP(count); }
__attribute__((noinline)) void take_segment(struct segment *s) { KEEP(s); }
__attribute__((noinline)) void take_string(const char *s, int n) { KEEP(s); KEEP(n); }

int main(void)
{
	struct point p = {3, -7};
	take_point(&p);
	struct point q = {3, -7}, r = {4, 9};
	take_points(&q, &r);

	struct rect rc = {{1, 2}, {30, 40}, "box"};
	take_rect(&rc);

	struct grid g = {{1, 2, 3, 4}, {{5, 6}, {7, 8}}, {0}};
	for (int i = 0; i < 4; i++)
		g.p[i] = &g.x[i];
	take_grid(&g, 2);
	take_ints(g.x);

	struct frame f = {{0x00, 0x1b, 0x21, 0xaa, 0x0f, 0xfe}, 8080, "ab", {1, 2, 0, 0xff, 'h', 'i', 0, 7}};
	take_frame(&f);

	struct flags fl;
	memset(&fl, 0, sizeof(fl));
	fl.a = 9;
	fl.b = 200;
	fl.c = 5;
	fl.d = 1;
	fl.e = 65000;
	take_flags(&fl);

	struct packed_bits pb;
	memset(&pb, 0, sizeof(pb));
	pb.a = 1;
	pb.b = 217;
	pb.c = 5;
	pb.d = 1;
	pb.e = 500;
	pb.f = 31117;
	pb.g = 1;
	pb.h = 2;
	pb.i = 27;
	pb.s = -3;
	take_bits(&pb);

	struct mixed m = {250, 0x1122334455667788ULL, -42};
	take_mixed(&m);

	struct segment seg = {{{1, 2}, {3, 4}, {5, 6}}, 3};
	take_segment(&seg);

	take_numbers(numbers, 6);
	take_string("hello world", 5);
	return 0;
}
