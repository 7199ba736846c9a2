package probes

import (
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
)

// multiMin is the number of targets from which a uprobe or uretprobe
// clause is attached through uprobe_multi links: one link per binary for
// all its functions. One perf-event uprobe per function costs milliseconds
// to attach and more to detach (1670 bash functions: ~15-45 s); a
// uprobe_multi link takes them all at once.
const multiMin = 8

var (
	multiOnce sync.Once
	multiOK   bool
)

// UprobeMulti reports whether a program of provider p serving n targets is
// attached with uprobe_multi links (BPF_LINK_TYPE_UPROBE_MULTI, 6.6+). Such
// a program must be loaded with the attach type ebpf.AttachTraceUprobeMulti.
func UprobeMulti(p lang.Provider, n int) bool {
	if (p != lang.Uprobe && p != lang.Uretprobe) || n < multiMin {
		return false
	}
	multiOnce.Do(func() { multiOK = features.HaveBPFLinkUprobeMulti() == nil })
	return multiOK
}

// AttachUprobeMulti attaches prog to every target (all of one uprobe or
// uretprobe clause) with one uprobe_multi link per binary; cookies are
// parallel to ts. Each returned Attachment holds one binary's link.
func (k *Kernel) AttachUprobeMulti(ts []Target, prog *ebpf.Program, cookies []uint64) ([]*Attachment, error) {
	type group struct {
		first   *Target
		addrs   []uint64
		cookies []uint64
	}
	var order []string
	groups := map[string]*group{}
	for i := range ts {
		t := &ts[i]
		if t.FileOffset == 0 {
			return nil, fmt.Errorf("attach %s: BUG: no file offset for uprobe_multi", t.Name)
		}
		g := groups[t.Path]
		if g == nil {
			g = &group{first: t}
			groups[t.Path] = g
			order = append(order, t.Path)
		}
		g.addrs = append(g.addrs, t.FileOffset)
		var c uint64
		if i < len(cookies) {
			c = cookies[i]
		}
		g.cookies = append(g.cookies, c)
	}
	var out []*Attachment
	fail := func(err error) ([]*Attachment, error) {
		for _, a := range out {
			a.Close()
		}
		return nil, err
	}
	for _, path := range order {
		g := groups[path]
		ex, err := link.OpenExecutable(path)
		if err != nil {
			return fail(fmt.Errorf("attach %s: %w", g.first.Name, err))
		}
		opts := &link.UprobeMultiOptions{Addresses: g.addrs, Cookies: g.cookies, PID: uint32(max(k.PID, 0))}
		var l link.Link
		if g.first.Provider == lang.Uretprobe {
			l, err = ex.UretprobeMulti(nil, prog, opts)
		} else {
			l, err = ex.UprobeMulti(nil, prog, opts)
		}
		if err != nil {
			return fail(fmt.Errorf("attach %d %s probes in %s: %w", len(g.addrs), g.first.Provider, path, explainAttach(g.first, err)))
		}
		out = append(out, &Attachment{Target: g.first, Links: []link.Link{l}})
	}
	return out, nil
}
