package probes

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// AttachRawSyscalls attaches a tp_btf program (5.5+) to the raw_syscalls
// tracepoint tp ("sys_enter" or "sys_exit"): one link that serves every
// syscalls:* target in targets, which the program tells apart by syscall
// number (see SyscallABI). Detaching it is as cheap as attaching, unlike
// one perf tracepoint per syscall.
func (k *Kernel) AttachRawSyscalls(tp string, targets []Target, prog *ebpf.Program) (*Attachment, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("BUG: raw_syscalls:%s program without targets", tp)
	}
	l, err := link.AttachTracing(link.TracingOptions{Program: prog, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			err = fmt.Errorf("%w: run gtrace as root (or with CAP_BPF and CAP_PERFMON)", err)
		}
		return nil, fmt.Errorf("attach %s (one program on raw_syscalls:%s for %d syscall events): %w", targets[0].Name, tp, len(targets), err)
	}
	return &Attachment{Target: &targets[0], Links: []link.Link{l}}, nil
}
