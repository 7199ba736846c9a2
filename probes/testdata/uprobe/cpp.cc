// A C++ target for the demangling tests: overloads in a namespace, a const
// member function and a template, called argv[1] times each; then it
// lingers argv[2] ms so that a tracer sees its mappings.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace ns {
struct Widget {
  int v;
  __attribute__((noinline)) int get(int x) const;
};
int Widget::get(int x) const { return v + x; }

__attribute__((noinline)) int func(int a) { return a * 2; }
__attribute__((noinline)) int func(const char *s) { return s[0]; }

template <typename T> __attribute__((noinline)) T twice(T x) { return x + x; }
} // namespace ns

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  volatile int v = 3;
  ns::Widget w{v};
  const char *volatile x = "x"; // a fresh argument each time: no hoisting
  long s = 0;
  for (int i = 0; i < n; i++)
    s += ns::func(i) + ns::func(x) + w.get(i) + ns::twice<long>(i);
  printf("%ld\n", s);
  if (argc > 2)
    usleep(atoi(argv[2]) * 1000);
  return 0;
}
