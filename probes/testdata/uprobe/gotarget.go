// A Go target for uprobes on Go symbol names ("main.(*T).Add"): it calls
// work and (*T).Add three times, 10 ms apart, and exits at once (no
// linger: its stacks are symbolized from the runner's early snapshots of
// its mappings).
package main

import (
	"fmt"
	"time"
)

type T struct{ n int }

//go:noinline
func (t *T) Add(x int) int { t.n += x; return t.n }

//go:noinline
func work(x int) int { return x * 2 }

func main() {
	t := &T{}
	for i := 0; i < 3; i++ {
		t.Add(work(i))
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println(t.n)
}
