package probes

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// attachTracepoint attaches through a perf event of type PERF_TYPE_TRACEPOINT
// with a BPF link (5.15+ for the cookie; plain attach 4.7+). Tracefs must be
// mounted first: cilium/ebpf reads the event id from it, and caches where it
// is on first use, so mount before anything else asks.
func (k *Kernel) attachTracepoint(t *Target, prog *ebpf.Program, cookie uint64) (link.Link, error) {
	if _, err := k.Tracefs(); err != nil {
		return nil, err
	}
	return link.Tracepoint(t.Category, t.Event, prog, &link.TracepointOptions{Cookie: cookie})
}
