//go:build !amd64

package probes

// No syscall table for this architecture yet: every syscalls:* target is
// attached as its own perf tracepoint.
var (
	syscallNames [0]string
	syscallABI   *SyscallABI
)
