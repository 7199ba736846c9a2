package gtrace

import (
	"fmt"
	"time"

	"github.com/gtrace/gtrace/codegen"
)

// Losses are reported while the run goes on, as bpftrace 0.17 prints
// "Lost N events" whenever its perf buffer tells it of dropped records,
// not only at exit. Reserve failures are counted in the per-CPU LostMap;
// reading it is a syscall, so the event loop looks at most every
// lostCheck, and once more at exit. Each report is the number lost since
// the previous one.

// lostCheck is the shortest interval between two reads of the lost counter.
const lostCheck = 100 * time.Millisecond

// lostTracker remembers what has been reported so far.
type lostTracker struct {
	reported  uint64    // events already reported lost
	lastCheck time.Time // when the counter was last read
}

// reportLostEvents prints "Lost N events" (JSON: lost_events) for the
// records dropped since the last report. With force it reads the counter
// whatever the time since the last read (exit).
func (r *runner) reportLostEvents(force bool) error {
	if r.objs == nil || r.objs.lost == nil {
		return nil
	}
	now := time.Now()
	if !force && now.Sub(r.lost.lastCheck) < lostCheck {
		return nil
	}
	r.lost.lastCheck = now
	n := r.lostCount(codegen.LostEvents)
	if n <= r.lost.reported {
		return nil
	}
	delta := n - r.lost.reported
	r.lost.reported = n
	return r.out.r.LostEvents(delta)
}

// reportLosses reports at exit what is still unreported of the lost
// events, and a warning for map updates refused because a map was full.
func (r *runner) reportLosses() error {
	if r.objs.lost == nil {
		return nil
	}
	if err := r.reportLostEvents(true); err != nil {
		return err
	}
	if full := r.lostCount(codegen.LostMapFull); full > 0 && !r.opts.NoWarnings {
		fmt.Fprintf(r.opts.Stderr, "WARNING: %d map updates failed because a map was full (%d keys): raise the limit with BPFTRACE_MAP_KEYS_MAX or let @m = hash(N)\n", full, r.opts.MaxMapKeys)
	}
	return nil
}

// lostCount sums one counter of the per-CPU lost map over all CPUs.
func (r *runner) lostCount(idx uint32) uint64 {
	var per []uint64
	if err := r.objs.lost.Lookup(idx, &per); err != nil {
		return 0
	}
	var n uint64
	for _, v := range per {
		n += v
	}
	return n
}
