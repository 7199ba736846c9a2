// gospin is the Go target of the stripped-binary tests (built with and
// without -ldflags='-s -w', PIE and not): it calls tick N times (argv[1]),
// then spins in hot for a duration (argv[2]), so that a uprobe counts
// exact calls and a profile finds hot on the CPU. It lingers 300 ms
// before it exits: the runner's snapshots of its mappings, which name its
// frames after it has exited, come 1, 2, 4 ... ms after it starts, and the
// go runtime's start and 1000 calls take less.
package main

import (
	"os"
	"strconv"
	"time"
)

//go:noinline
func hot(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i
	}
	return s
}

//go:noinline
func tick(i int) int { return i + 1 }

func main() {
	calls, _ := strconv.Atoi(os.Args[1])
	spin, _ := time.ParseDuration(os.Args[2])
	t := 0
	for i := 0; i < calls; i++ {
		t = tick(t)
	}
	for end := time.Now().Add(spin); time.Now().Before(end); {
		hot(100000)
	}
	time.Sleep(300 * time.Millisecond)
	if t != calls {
		os.Exit(1)
	}
}
