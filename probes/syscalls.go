package probes

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"
)

// SyscallABI is what a program on the raw_syscalls tracepoints needs to
// serve syscalls:sys_enter_NAME and sys_exit_NAME events itself: one
// BTF-typed raw tracepoint (tp_btf, 5.5+) per direction instead of one
// perf tracepoint per syscall, whose detaching costs the kernel ~66 ms
// each. raw_syscalls:sys_enter passes (struct pt_regs *regs, long id),
// sys_exit (struct pt_regs *regs, long ret).
type SyscallABI struct {
	// ArgOffsets are the pt_regs offsets of syscall arguments 0..5.
	ArgOffsets []int
	// NrOffset is the pt_regs offset of the syscall number (sys_exit
	// has no id argument).
	NrOffset int
	// CompatBit is the bit of thread_info.status set during a 32-bit
	// syscall, whose numbers are another table's: such syscalls are not
	// reported, as the syscalls tracepoints do not report them.
	CompatBit int
	// StatusOffset is the offset of thread_info.status in task_struct,
	// from the kernel's BTF.
	StatusOffset int
}

// SyscallNr returns the number of the syscall a syscalls tracepoint event
// (sys_enter_NAME or sys_exit_NAME) reports on this architecture, and
// whether the event is an entry. ok is false for other events and for
// syscalls the table does not know.
func SyscallNr(event string) (nr int, enter, ok bool) {
	name, enter := strings.CutPrefix(event, "sys_enter_")
	if !enter {
		var exit bool
		if name, exit = strings.CutPrefix(event, "sys_exit_"); !exit {
			return 0, false, false
		}
	}
	nr, ok = syscallIndex()[name]
	return nr, enter, ok
}

// SyscallName is the entry point name (without "sys_") of syscall nr on
// this architecture, "" when the table has none.
func SyscallName(nr int) string {
	if nr < 0 || nr >= len(syscallNames) {
		return ""
	}
	return syscallNames[nr]
}

// MaxSyscallNr is the highest syscall number in this architecture's table
// (-1 when there is no table).
func MaxSyscallNr() int { return len(syscallNames) - 1 }

// syscallIndex maps syscall names to numbers, built on first use.
var syscallIndex = sync.OnceValue(func() map[string]int {
	index := make(map[string]int, len(syscallNames))
	for nr, n := range syscallNames {
		if n != "" {
			index[n] = nr
		}
	}
	return index
})

// ErrNoRawSyscalls is wrapped by RawSyscalls when syscalls:* events must
// be attached one perf tracepoint each.
var ErrNoRawSyscalls = errors.New("syscalls cannot be served from raw_syscalls here")

// RawSyscalls returns the ABI of raw_syscalls programs on this kernel: it
// needs a syscall table for the architecture and kernel BTF with the
// btf_trace_sys_enter typedef (tp_btf) and task_struct's thread_info.
// A few BTF lookups in the parsed spec: cheap enough not to cache.
func (k *Kernel) RawSyscalls() (*SyscallABI, error) {
	if syscallABI == nil {
		return nil, fmt.Errorf("%w: no syscall table for this architecture", ErrNoRawSyscalls)
	}
	spec, err := k.Spec()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRawSyscalls, err)
	}
	var td *btf.Typedef
	for _, tp := range []string{"btf_trace_sys_enter", "btf_trace_sys_exit"} {
		if err := spec.TypeByName(tp, &td); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNoRawSyscalls, tp, err)
		}
	}
	task, err := memberOffset(spec, "task_struct", "thread_info")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRawSyscalls, err)
	}
	status, err := memberOffset(spec, "thread_info", "status")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRawSyscalls, err)
	}
	abi := *syscallABI
	abi.StatusOffset = task + status
	return &abi, nil
}

// memberOffset is the byte offset of a direct member of a BTF struct.
func memberOffset(spec *btf.Spec, typ, member string) (int, error) {
	var st *btf.Struct
	if err := spec.TypeByName(typ, &st); err != nil {
		return 0, fmt.Errorf("struct %s: %w", typ, err)
	}
	for _, m := range st.Members {
		if m.Name == member {
			return int(m.Offset.Bytes()), nil
		}
	}
	return 0, fmt.Errorf("struct %s has no member %s", typ, member)
}
