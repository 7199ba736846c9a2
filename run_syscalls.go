package gtrace

import (
	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/probes"
)

// rawSyscalls returns the kernel's raw_syscalls ABI when some clause has
// enough syscalls:* tracepoints for the code generator to serve them from
// one program per direction (codegen.RawSyscallsWanted), nil otherwise
// (and when the kernel cannot: no BTF, or no syscall table for this
// architecture), which keeps one perf tracepoint per target. Scripts
// without such clauses do not pay for reading the kernel's BTF here.
func rawSyscalls(opts *RunOptions, targets [][]probes.Target) *probes.SyscallABI {
	if opts.perfSyscalls {
		return nil
	}
	for _, ts := range targets {
		if codegen.RawSyscallsWanted(ts) {
			abi, err := opts.Kernel.RawSyscalls()
			if err != nil {
				return nil
			}
			return abi
		}
	}
	return nil
}
