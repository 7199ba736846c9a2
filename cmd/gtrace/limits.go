package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// minAddressSpaceKiB is the address-space limit (RLIMIT_AS, `ulimit -v`,
// in KiB) from which gtrace starts and runs. RLIMIT_AS counts address
// space reserved, not memory used, and the Go runtime reserves about
// 1.2 GiB of it before main runs (go1.26, amd64: 585 MiB of page summaries
// and a 512 MiB scavenger index, for a 48-bit address space, then a first
// 64 MiB heap arena), using only a few MiB of it. Measured with
// `ulimit -v N; gtrace -V` and a tracing run: below ~750,000 the runtime
// dies before main ("out of memory", a stack dump); up to ~850,000 the
// run may; from ~1,170,000 to ~1,270,000 it dies again (the scavenger index
// fits, the first arena does not). Nothing gtrace does can change this:
// the runtime fails before any of its code runs. Memory is better bounded
// with a cgroup (memory.max, systemd MemoryMax=), which counts what is
// used: BPF maps are charged there too (5.11+).
const minAddressSpaceKiB = 1_500_000

// addressSpaceAdvice says what is wrong with the address-space limit, or
// "" when there is none or it is large enough.
func addressSpaceAdvice() string {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &lim); err != nil || lim.Cur == unix.RLIM_INFINITY {
		return ""
	}
	if kib := lim.Cur / 1024; kib < minAddressSpaceKiB {
		return fmt.Sprintf("the address-space limit (ulimit -v) is %d KiB: gtrace needs %d (the Go runtime reserves about 1.2 GiB of address space at start, and may die when it is short); raise it, or remove it and bound memory with a cgroup (memory.max)", kib, minAddressSpaceKiB)
	}
	return ""
}

// addressSpaceLine is --info's line about the address-space limit.
func addressSpaceLine() string {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &lim); err != nil {
		return "unknown"
	}
	if lim.Cur == unix.RLIM_INFINITY {
		return fmt.Sprintf("unlimited (gtrace needs %d KiB)", minAddressSpaceKiB)
	}
	return fmt.Sprintf("%d KiB (gtrace needs %d KiB)", lim.Cur/1024, minAddressSpaceKiB)
}
