package probes

import (
	"fmt"
	"slices"
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

// haveUprobeMulti probes the kernel once.
var haveUprobeMulti = sync.OnceValue(func() bool { return features.HaveBPFLinkUprobeMulti() == nil })

// UprobeMulti reports whether a program of provider p serving n targets is
// attached with uprobe_multi links (BPF_LINK_TYPE_UPROBE_MULTI, 6.6+). Such
// a program must be loaded with the attach type ebpf.AttachTraceUprobeMulti.
// Clauses with fewer targets, and usdt clauses, get one perf-event uprobe
// per target, unless gtrace lacks CAP_SYS_ADMIN: the perf uprobe PMU
// refuses to open without it (EACCES, even with CAP_PERFMON, on 6.18 as
// on 5.8), where a uprobe_multi link needs only CAP_BPF and CAP_PERFMON.
func UprobeMulti(p lang.Provider, n int) bool {
	switch {
	case p != lang.Uprobe && p != lang.Uretprobe && p != lang.USDT:
		return false
	case (n < multiMin || p == lang.USDT) && perfUprobeAllowed():
		return false
	}
	return haveUprobeMulti()
}

// perfUprobeAllowed reports whether the perf uprobe PMU lets gtrace open
// uprobes: it checks for CAP_SYS_ADMIN.
var perfUprobeAllowed = sync.OnceValue(func() bool { return HasCap(CapSysAdmin) })

// AttachUprobeMulti attaches prog to every target (all of one uprobe or
// uretprobe clause) with one uprobe_multi link per binary; cookies are
// parallel to ts. Each returned Attachment holds one binary's link.
func (k *Kernel) AttachUprobeMulti(ts []Target, prog *ebpf.Program, cookies []uint64) ([]*Attachment, error) {
	type group struct {
		first   *Target
		targets []*Target
		addrs   []uint64
		cookies []uint64
		refCtrs []uint64 // usdt semaphores, 0 for none
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
		g.targets = append(g.targets, t)
		g.addrs = append(g.addrs, t.FileOffset)
		g.refCtrs = append(g.refCtrs, t.RefCtr)
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
		if slices.ContainsFunc(g.refCtrs, func(o uint64) bool { return o != 0 }) {
			opts.RefCtrOffsets = g.refCtrs
		}
		multi := func(opts *link.UprobeMultiOptions) (link.Link, error) {
			if g.first.Provider == lang.Uretprobe {
				return ex.UretprobeMulti(nil, prog, opts)
			}
			return ex.UprobeMulti(nil, prog, opts)
		}
		l, err := multi(opts)
		if err != nil {
			if t := refusedTarget(multi, opts, g.targets); t != nil && len(g.targets) > 1 {
				// Name the function the kernel refused, as bpftrace does.
				return fail(fmt.Errorf("attach %s (one of %d %s probes in %s): %w", t.Name, len(g.addrs), g.first.Provider, path, explainAttach(t, err)))
			}
			return fail(fmt.Errorf("attach %d %s probes in %s: %w", len(g.addrs), g.first.Provider, path, explainAttach(g.first, err)))
		}
		out = append(out, &Attachment{Target: g.first, Links: []link.Link{l}})
	}
	return out, nil
}

// refusedTarget finds a target the kernel refuses when a uprobe_multi link
// of them all fails (one instruction it cannot probe fails the whole link,
// with EOPNOTSUPP): it bisects, attaching halves and closing them at once,
// about 2·log2(n) attempts. nil when every part attaches alone (the failure
// is not one target's) or the error does not depend on the targets.
func refusedTarget(multi func(*link.UprobeMultiOptions) (link.Link, error), opts *link.UprobeMultiOptions, ts []*Target) *Target {
	part := func(lo, hi int) *link.UprobeMultiOptions {
		p := &link.UprobeMultiOptions{Addresses: opts.Addresses[lo:hi], Cookies: opts.Cookies[lo:hi], PID: opts.PID}
		if opts.RefCtrOffsets != nil {
			p.RefCtrOffsets = opts.RefCtrOffsets[lo:hi]
		}
		return p
	}
	attaches := func(lo, hi int) bool {
		l, err := multi(part(lo, hi))
		if err != nil {
			return false
		}
		l.Close()
		return true
	}
	lo, hi := 0, len(ts)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		switch {
		case !attaches(lo, mid):
			hi = mid
		case !attaches(mid, hi):
			lo = mid
		default:
			return nil
		}
	}
	if attaches(lo, hi) {
		return nil
	}
	return ts[lo]
}
