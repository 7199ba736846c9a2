package probes

import (
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
)

// haveKprobeMulti probes the kernel once.
var haveKprobeMulti = sync.OnceValue(func() bool { return features.HaveBPFLinkKprobeMulti() == nil })

// KprobeMulti reports whether a program of provider p serving targets ts
// is attached with one kprobe_multi link (BPF_LINK_TYPE_KPROBE_MULTI,
// 5.18+ with CONFIG_FPROBE) rather than one perf-event kprobe per
// function: from multiMin functions on, at their entry (kprobe_multi
// takes no offsets). Such a program must be loaded with the attach type
// ebpf.AttachTraceKprobeMulti.
func KprobeMulti(p lang.Provider, ts []Target) bool {
	if (p != lang.Kprobe && p != lang.Kretprobe) || len(ts) < multiMin {
		return false
	}
	for _, t := range ts {
		if t.Offset != 0 {
			return false
		}
	}
	return haveKprobeMulti()
}

// AttachKprobeMulti attaches prog to every target (all of one kprobe or
// kretprobe clause) with one kprobe_multi link; cookies are parallel to
// ts and tell the functions apart (bpf_get_attach_cookie).
func (k *Kernel) AttachKprobeMulti(ts []Target, prog *ebpf.Program, cookies []uint64) (*Attachment, error) {
	opts := link.KprobeMultiOptions{Cookies: cookies}
	for _, t := range ts {
		opts.Symbols = append(opts.Symbols, t.Func)
	}
	var l link.Link
	var err error
	if ts[0].Provider == lang.Kretprobe {
		l, err = link.KretprobeMulti(prog, opts)
	} else {
		l, err = link.KprobeMulti(prog, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("attach %d %s probes (%s, ...): %w", len(ts), ts[0].Provider, ts[0].Name, k.explain(&ts[0], err))
	}
	return &Attachment{Target: &ts[0], Links: []link.Link{l}}, nil
}
