package gtrace

import (
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

// The run's phase lives in word 0 of the state map, which every program
// reads first (codegen.PhaseStarting, PhaseRunning, PhaseStopped). The
// probes are attached in PhaseStarting, so they return at once; BEGIN
// runs; begin() moves to PhaseRunning; a stop or exit() moves to
// PhaseStopped. User space writes the word under phaseMu, so that a stop
// from a signal and the start of the run cannot undo each other.

// initState writes PhaseStarting and the start time `elapsed` counts
// from, on the clock of bpf_ktime_get_boot_ns (CLOCK_BOOTTIME, 5.8+).
func (r *runner) initState() error {
	val := make([]byte, r.objs.state.ValueSize())
	binary.NativeEndian.PutUint64(val[codegen.StateStopped:], codegen.PhaseStarting)
	if len(val) >= codegen.StateStartNs+8 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
			return fmt.Errorf("reading CLOCK_BOOTTIME: %w", err)
		}
		binary.NativeEndian.PutUint64(val[codegen.StateStartNs:], uint64(ts.Nano()))
	}
	if err := r.objs.state.Update(uint32(0), val, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("initialising the state map: %w", err)
	}
	return nil
}

// begin lets every attached probe act (PhaseRunning), once BEGIN has run,
// unless the run is already stopping: exit() in BEGIN, or a stop request
// (stopRequested) that came first.
func (r *runner) begin(stopRequested func() bool) error {
	r.phaseMu.Lock()
	defer r.phaseMu.Unlock()
	if stopRequested() {
		return nil
	}
	phase, err := r.phase()
	if err != nil || phase != codegen.PhaseStarting {
		return err // exit() in BEGIN: stays stopped
	}
	return r.writePhase(codegen.PhaseRunning)
}

// setStopped moves to PhaseStopped: from here on the probes return at
// once. Safe from any goroutine, and more than once.
func (r *runner) setStopped() {
	r.phaseMu.Lock()
	defer r.phaseMu.Unlock()
	if err := r.writePhase(codegen.PhaseStopped); err != nil {
		fmt.Fprintf(r.opts.Stderr, "WARNING: stopping the probes: %v\n", err)
	}
}

// stoppedInKernel reports whether a program stopped the run (exit()).
func (r *runner) stoppedInKernel() bool {
	phase, err := r.phase()
	return err == nil && phase == codegen.PhaseStopped
}

func (r *runner) phase() (uint64, error) {
	val := make([]byte, r.objs.state.ValueSize())
	if err := r.objs.state.Lookup(uint32(0), &val); err != nil {
		return 0, fmt.Errorf("reading the state map: %w", err)
	}
	return binary.NativeEndian.Uint64(val[codegen.StateStopped:]), nil
}

// writePhase writes the phase word, keeping the rest of the state value.
func (r *runner) writePhase(phase uint64) error {
	st := r.objs.state
	val := make([]byte, st.ValueSize())
	if err := st.Lookup(uint32(0), &val); err != nil {
		return fmt.Errorf("reading the state map: %w", err)
	}
	binary.NativeEndian.PutUint64(val[codegen.StateStopped:], phase)
	if err := st.Update(uint32(0), val, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("writing the state map: %w", err)
	}
	return nil
}

// waitForRunningPrograms returns once every program that may have read
// the phase before it changed has returned: from then on no probe body
// runs but END. The kernel waits for that (an RCU grace period: programs
// run under rcu_read_lock) after updating a map-of-maps from user space,
// "so that user space knows all programs use the new value"
// (maybe_wait_bpf_programs, 4.19+). A few to tens of ms.
func waitForRunningPrograms() error {
	inner := &ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1}
	outer, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "gtrace_sync", Type: ebpf.ArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 1, InnerMap: inner,
	})
	if err != nil {
		return fmt.Errorf("waiting for running probes: %w", err)
	}
	defer outer.Close()
	m, err := ebpf.NewMap(inner)
	if err != nil {
		return fmt.Errorf("waiting for running probes: %w", err)
	}
	defer m.Close()
	if err := outer.Update(uint32(0), m, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("waiting for running probes: %w", err)
	}
	return nil
}

// enableTimers starts the perf events (interval, profile, software),
// attached disabled, once the run has begun: the first period of a timer
// counts from here, as it counts from BEGIN in bpftrace.
func (r *runner) enableTimers() {
	for _, a := range r.attached {
		if err := a.Enable(); err != nil {
			fmt.Fprintf(r.opts.Stderr, "WARNING: %s: %v\n", a.Target.Name, err)
		}
	}
}

// runBegin runs BEGIN while the attached probes are quiet (PhaseStarting),
// then lets every probe act at once. The "Attaching" line and BEGIN's
// output are held back until then (sink.hold), so whoever waits for them
// knows that the probes are live.
func (r *runner) runBegin() (err error) {
	loop := r.events
	if r.opts.beforeBegin != nil {
		r.opts.beforeBegin()
	}
	r.out.hold()
	defer func() {
		if rerr := r.out.release(); err == nil {
			err = rerr
		}
	}()
	// Before the held output goes out: Script.Start returns then, and
	// its caller may be the one to read the events released.
	defer r.markActing()
	if !r.opts.Quiet {
		r.out.r.AttachedProbes(r.probeCount())
	}
	r.printVerbose()
	if err := loop.runWhile(r.runSpecial(lang.Begin)); err != nil {
		return err
	}
	loop.begun.Store(true)
	if err := r.begin(loop.stopping); err != nil {
		return err
	}
	r.enableTimers()
	return nil
}
