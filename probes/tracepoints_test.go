package probes

import (
	"slices"
	"testing"
)

// An exact tracepoint name takes the fast path (no globbing); it must find
// what the glob path finds, and nothing for an absent one.
func TestTracepointsExactMatchesGlob(t *testing.T) {
	needRoot(t)
	k := realKernel(t)
	exact, err := k.Tracepoints("syscalls", "sys_enter_getppid")
	if err != nil {
		t.Fatal(err)
	}
	glob, err := k.Tracepoints("syscall?", "sys_enter_getppi*")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(exact, []string{"syscalls:sys_enter_getppid"}) || !slices.Equal(exact, glob) {
		t.Errorf("exact %v, glob %v", exact, glob)
	}
	if none, err := k.Tracepoints("syscalls", "sys_enter_nosuch"); err != nil || len(none) != 0 {
		t.Errorf("absent: %v, %v", none, err)
	}
}
