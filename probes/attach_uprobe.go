package probes

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
)

// attachUprobe attaches through the uprobe PMU (4.17+), falling back to
// tracefs uprobe_events inside cilium/ebpf; the cookie needs 5.15+. The
// expansion resolved the file offset (FileOffset); a target built by hand
// with only Func (and Offset) is resolved by cilium/ebpf. A usdt target
// with a semaphore passes its offset as the uprobe's reference counter, so
// the kernel increments it in every process while attached (4.20+).
// Kernel.PID (-p) limits the probe to one process; 0 means all.
func attachUprobe(k *Kernel, t *Target, prog *ebpf.Program, cookie uint64) ([]link.Link, error) {
	ex, err := link.OpenExecutable(t.Path)
	if err != nil {
		return nil, err
	}
	opts := &link.UprobeOptions{Address: t.Addr, Offset: t.Offset, Cookie: cookie, TraceFSPrefix: "gtrace",
		PID: k.PID, RefCtrOffset: t.RefCtr}
	if t.FileOffset != 0 {
		opts.Address, opts.Offset = t.FileOffset, 0
	}
	if t.Provider == lang.Uretprobe {
		return one(ex.Uretprobe(t.Func, prog, opts))
	}
	return one(ex.Uprobe(t.Func, prog, opts))
}

// attachKprobe attaches through the kprobe PMU (4.17+); kernels built
// without CONFIG_KPROBES answer ErrNotSupported.
func attachKprobe(_ *Kernel, t *Target, prog *ebpf.Program, cookie uint64) ([]link.Link, error) {
	if !haveKprobes() {
		return nil, fmt.Errorf("%w: no kprobe PMU and no kprobe_events", ebpf.ErrNotSupported)
	}
	opts := &link.KprobeOptions{Offset: t.Offset, Cookie: cookie, TraceFSPrefix: "gtrace"}
	// kprobe:module:fn attaches by the bare name: cilium/ebpf refuses
	// "MOD:SYM", and the kernel looks a name up in the modules too (and
	// refuses one that is ambiguous, 6.6+ and stable kernels).
	if t.Provider == lang.Kretprobe {
		return one(link.Kretprobe(t.Func, prog, opts))
	}
	return one(link.Kprobe(t.Func, prog, opts))
}
