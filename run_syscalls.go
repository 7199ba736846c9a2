package gtrace

import "github.com/gtrace/gtrace/probes"

// rawSyscalls returns the kernel's raw_syscalls ABI when some target is a
// syscalls:* tracepoint the code generator can then serve from one
// program per direction, nil otherwise (and when the kernel cannot: no
// BTF, or no syscall table for this architecture), which keeps one perf
// tracepoint per target. Scripts without syscall targets do not pay for
// reading the kernel's BTF here.
func rawSyscalls(opts *RunOptions, targets [][]probes.Target) *probes.SyscallABI {
	if opts.perfSyscalls {
		return nil
	}
	for _, ts := range targets {
		for _, t := range ts {
			if t.Category != "syscalls" {
				continue
			}
			if _, _, ok := probes.SyscallNr(t.Event); ok {
				abi, err := opts.Kernel.RawSyscalls()
				if err != nil {
					return nil
				}
				return abi
			}
		}
	}
	return nil
}
