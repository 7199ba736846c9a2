package gtrace

import (
	"fmt"

	"github.com/gtrace/gtrace/lang"
)

// finish is the end of every run (exit(), a signal, a cancelled context):
// the probes are stopped, the ring drained, END run and drained, losses
// reported, the maps read, and only then the probes detached, because
// detaching perf-event tracepoints takes the kernel ~66 ms each: in the
// background while the maps are printed.
func (r *runner) finish() error {
	r.setStopped()
	if err := waitForRunningPrograms(); err != nil {
		fmt.Fprintf(r.opts.Stderr, "WARNING: %v\n", err)
	}
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
