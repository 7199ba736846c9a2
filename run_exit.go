package gtrace

import (
	"fmt"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// finish is the end of every run (exit(), a signal, a cancelled context):
// the probes are stopped, the ring drained, the probes' lost events
// reported (before END's output, where bpftrace's perf buffers report
// them), END run and drained, its own losses and the refused map updates
// reported, the maps read and printed. Detaching starts in the background
// as soon as the probes are stopped (the phase word: from then on they
// return at once, attached or not), because detaching perf-event
// tracepoints costs the kernel tens of ms even when their final release is
// handed to a helper (run_detach.go): it overlaps all the rest.
func (r *runner) finish() error {
	r.setStopped()
	r.detachSoon()
	if err := waitForRunningPrograms(); err != nil {
		fmt.Fprintf(r.opts.Stderr, "WARNING: %v\n", err)
	}
	l := r.events
	if err := l.drain(); err != nil {
		return err
	}
	if err := r.reportLostEvents(true); err != nil {
		return err
	}
	if err := l.runWhile(r.runSpecial(lang.End)); err != nil {
		return err
	}
	if err := r.reportLosses(); err != nil {
		return err
	}
	ms, err := r.readMaps(output.TakesLazyMaps(r.out.r))
	if err != nil {
		return err
	}
	r.final = ms // lazy maps are decoded if the library asks for them (finalMaps)
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
