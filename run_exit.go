package gtrace

import (
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

// setStopped sets word 0 of the state map, which every program tests
// first: from here on the probes return at once. The other words of the
// state value (set by the code generator) are kept.
func (r *runner) setStopped() {
	r.stopOnce.Do(func() {
		st := r.objs.state
		val := make([]byte, st.ValueSize())
		if err := st.Lookup(uint32(0), &val); err != nil {
			fmt.Fprintf(r.opts.Stderr, "WARNING: reading the state map: %v\n", err)
		}
		binary.NativeEndian.PutUint64(val, 1)
		if err := st.Update(uint32(0), val, ebpf.UpdateAny); err != nil {
			fmt.Fprintf(r.opts.Stderr, "WARNING: stopping the probes: %v\n", err)
		}
	})
}

// stoppedInKernel reports whether a program set the stopped flag (exit()).
func (r *runner) stoppedInKernel() bool {
	val := make([]byte, r.objs.state.ValueSize())
	if err := r.objs.state.Lookup(uint32(0), &val); err != nil {
		return false
	}
	return binary.NativeEndian.Uint64(val[codegen.StateStopped:]) != 0
}

// finish is the end of every run (exit(), a signal, a cancelled context):
// the probes are stopped, the ring drained, END run and drained, losses
// reported, the maps read, and only then the probes detached, because
// detaching perf-event tracepoints takes the kernel ~66 ms each: in the
// background while the maps are printed.
func (r *runner) finish() error {
	r.setStopped()
	l := r.events
	if err := l.drain(); err != nil {
		return err
	}
	if err := l.runWhile(r.runSpecial(lang.End)); err != nil {
		return err
	}
	if err := r.reportLosses(); err != nil {
		return err
	}
	ms, err := r.readMaps()
	if err != nil {
		return err
	}
	r.final = ms
	// The probes are stopped and every map is read: detaching (the
	// kernel waits for RCU grace periods) overlaps the printing.
	r.detachSoon()
	if r.opts.NoMapsOnExit {
		ms = ms[:0]
	}
	if err := r.out.r.Exit(ms); err != nil {
		return err
	}
	r.printChildStatus(r.proc)
	if err := r.out.flush(); err != nil {
		return err
	}
	r.detach()
	return nil
}
