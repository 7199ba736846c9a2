package probes

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// attachTracepoint attaches through a perf event of type PERF_TYPE_TRACEPOINT
// with a BPF link (5.15+ for the cookie; plain attach 4.7+). Tracefs must be
// mounted first: cilium/ebpf reads the event id from it, and caches where it
// is on first use, so mount before anything else asks.
func attachTracepoint(k *Kernel, t *Target, prog *ebpf.Program, cookie uint64) ([]link.Link, error) {
	if _, err := k.Tracefs(); err != nil {
		return nil, err
	}
	return one(link.Tracepoint(t.Category, t.Event, prog, &link.TracepointOptions{Cookie: cookie}))
}

// attachRawTracepoint opens the raw tracepoint (BPF_RAW_TRACEPOINT_OPEN,
// 4.17+); it takes no cookie, so codegen gives each target its own
// program.
func attachRawTracepoint(_ *Kernel, t *Target, prog *ebpf.Program, _ uint64) ([]link.Link, error) {
	return one(link.AttachRawTracepoint(link.RawTracepointOptions{Name: t.Event, Program: prog}))
}

// attachTracing links a program loaded for its function (AttachTo)
// through a BPF trampoline (5.5+); one program serves one function, so
// `probe` needs no cookie.
func attachTracing(_ *Kernel, _ *Target, prog *ebpf.Program, _ uint64) ([]link.Link, error) {
	return one(link.AttachTracing(link.TracingOptions{Program: prog}))
}
