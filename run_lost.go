package gtrace

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	gmaps "github.com/gtrace/gtrace/maps"
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
	// counted is the counter as last read, and at the producer position
	// just after: every record reserved before those losses lies before
	// at, so the report waits until the loop has handled the ring up to
	// there. "Lost N events" thus never comes before lines of events that
	// happened before the losses (the loop can read the counter while a
	// program is still filling the ring).
	counted uint64
	at      uint64
}

// reportLostEvents prints "Lost N events" (JSON: lost_events) for the
// records dropped since the last report. The event loop calls it between
// records: it reads the counter at most every lostCheck and reports once
// the records before the losses are handled. With force (the ring has been
// drained: exit) it reads the counter and reports at once.
func (r *runner) reportLostEvents(force bool) error {
	if r.objs == nil || r.objs.lost == nil {
		return nil
	}
	if force {
		r.lost.counted = r.lostCount(codegen.LostEvents)
		return r.reportCounted()
	}
	rd := r.events.rd
	if r.lost.counted > r.lost.reported {
		if int64(rd.Position()-r.lost.at) < 0 {
			return nil
		}
		return r.reportCounted()
	}
	now := time.Now()
	if now.Sub(r.lost.lastCheck) < lostCheck {
		return nil
	}
	r.lost.lastCheck = now
	n := r.lostCount(codegen.LostEvents)
	if n <= r.lost.reported {
		return nil
	}
	r.lost.counted, r.lost.at = n, rd.Producer()
	if rd.Position() != r.lost.at {
		return nil
	}
	return r.reportCounted()
}

// reportCounted reports the losses counted and not reported yet.
func (r *runner) reportCounted() error {
	if r.lost.counted <= r.lost.reported {
		return nil
	}
	delta := r.lost.counted - r.lost.reported
	r.lost.reported = r.lost.counted
	return r.out.r.LostEvents(delta)
}

// reportLosses reports at exit what is still unreported of the lost
// events, and a warning for each map whose updates the kernel refused,
// naming the cause.
func (r *runner) reportLosses() error {
	if r.objs.lost == nil {
		return nil
	}
	if err := r.reportLostEvents(true); err != nil {
		return err
	}
	if r.opts.NoWarnings {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(r.prog.Maps)) {
		d := r.prog.Maps[name]
		for cause := range uint32(codegen.LostCauses) {
			if n := r.lostCount(d.LostBase + cause); n > 0 {
				fmt.Fprintf(r.opts.Stderr, "WARNING: %d updates of @%s were lost: %s\n", n, name, refusedBecause(d, cause, r.numCPU()))
			}
		}
	}
	return nil
}

// refusedBecause says why the kernel refused updates of d, and what to do.
func refusedBecause(d *gmaps.Def, cause uint32, numCPU int) string {
	switch cause {
	case codegen.LostFull:
		return fmt.Sprintf("the map was full (%d keys): raise the limit with BPFTRACE_MAP_KEYS_MAX or let @%s = hash(N)", d.MaxEntries, d.Name)
	case codegen.LostNoMem:
		return fmt.Sprintf("the kernel had no memory for a new key (the map is not preallocated: its %d values would pin %d MiB, over gtrace's %d MiB limit): lower BPFTRACE_MAP_KEYS_MAX or let @%s = hash(N) with the keys it needs",
			d.MaxEntries, d.Memory(numCPU)>>20, gmaps.PreallocLimit>>20, d.Name)
	}
	return "the kernel refused them for another reason than room (EBUSY when a probe interrupts an update of the map on the same CPU); -k prints each error"
}

// refusedUpdates sums the refused updates of every map, all causes.
func (r *runner) refusedUpdates() uint64 {
	var n uint64
	for _, d := range r.prog.Maps {
		for cause := range uint32(codegen.LostCauses) {
			n += r.lostCount(d.LostBase + cause)
		}
	}
	return n
}

// numCPU is the number of possible CPUs (per-CPU maps have a value each).
func (r *runner) numCPU() int {
	n, err := ebpf.PossibleCPU()
	if err != nil {
		return 1
	}
	return n
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
