package gtrace

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/output"
)

// Run is a script running in the kernel, started by Script.Start. Its
// methods may be called from any goroutine.
type Run struct {
	r    *runner
	done chan struct{} // closed when the run has ended and released all

	// mu is held for reading while a method reads the kernel maps, and
	// for writing when they are closed: a Snapshot never reads a closed
	// map.
	mu     sync.RWMutex
	closed bool
	losses Losses // the kernel's counters as they were at the end

	code int
	err  error
}

// Losses counts what the kernel side of a run could not deliver. Nothing
// is lost silently: the text output reports lost events as "Lost N events"
// (Event: LostEvent) and full maps as a warning at the end.
type Losses struct {
	// Events are the event records (printf, print, ...) dropped because
	// the ring buffer was full: the reader (or an Events channel, or an
	// OnEvent function) did not keep up.
	Events uint64
	// MapUpdates are the map updates the kernel refused: a map had its
	// RunOptions.MaxMapKeys keys already, or (a map too large to
	// preallocate) had no memory for a new key. The warning at exit names
	// each map and cause.
	MapUpdates uint64
}

// Done is closed when the run has ended (END has run, the maps are read
// and printed, the probes detached).
func (run *Run) Done() <-chan struct{} { return run.done }

// Wait waits for the run to end and returns its exit code: 0, the code
// given to exit(N), or ExitFailure with the error that ended it.
func (run *Run) Wait() (int, error) {
	<-run.done
	return run.code, run.err
}

// Stop ends the run as Ctrl-C ends the command line's: the probes stop at
// once, the events already in the ring buffer are handled, END runs, and
// the maps are read (and printed, unless RunOptions.NoMapsOnExit). It
// waits for all that and returns the maps as they were at the end. Stop
// on a run that has ended returns its final maps.
func (run *Run) Stop() ([]*output.Map, error) {
	select {
	case <-run.done:
	default:
		run.r.events.requestStop()
		<-run.done
	}
	if run.err != nil {
		return nil, run.err
	}
	return run.Snapshot()
}

// PrintMaps asks the run to print every map as print(@m) prints it, in
// name order, between two events (so lines never interleave), as bpftrace
// does on SIGUSR1. It returns at once; a run that is ending or has ended
// prints nothing more. With RunOptions.Events or OnEvent each map comes
// as a PrintMapEvent.
func (run *Run) PrintMaps() {
	run.mu.RLock()
	defer run.mu.RUnlock()
	l := run.r.events
	if run.closed || l == nil {
		return
	}
	l.printMaps.Store(true)
	l.rd.Flush()
}

// MapNames returns the names of the script's maps ("@", "@bytes"), sorted.
func (run *Run) MapNames() []string {
	names := make([]string, 0, len(run.r.prog.Maps))
	for n := range run.r.prog.Maps {
		names = append(names, "@"+n)
	}
	slices.Sort(names)
	return names
}

// Snapshot reads the named maps ("@bytes" or "bytes"), or every map when
// no name is given, in name order, while the script runs: per-CPU copies
// merged, stacks and symbols resolved, exactly the values print(@m) would
// print. The probes keep running meanwhile; each map is read in batches
// of keys, so a snapshot of a map that is being updated is not atomic (as
// bpftrace's print). After the run has ended, Snapshot returns the maps
// as they were read at the end.
func (run *Run) Snapshot(names ...string) ([]*output.Map, error) {
	if len(names) == 0 {
		names = run.MapNames()
	}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = strings.TrimPrefix(n, "@")
		if run.r.prog.Maps[keys[i]] == nil {
			return nil, fmt.Errorf("the script has no map @%s", keys[i])
		}
	}
	run.mu.RLock()
	defer run.mu.RUnlock()
	if run.closed {
		return run.finalMaps(keys)
	}
	out := make([]*output.Map, len(keys))
	for i, k := range keys {
		m, err := run.r.readMap(k)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// finalMaps picks the named maps from those read at the end.
func (run *Run) finalMaps(keys []string) ([]*output.Map, error) {
	out := make([]*output.Map, 0, len(keys))
	for _, k := range keys {
		i := slices.IndexFunc(run.r.final, func(m *output.Map) bool { return m.Name == "@"+k })
		if i < 0 {
			return nil, fmt.Errorf("the run ended before map @%s was read", k)
		}
		out = append(out, run.r.final[i].Decode())
	}
	return out, nil
}

// Losses returns what the kernel side could not deliver so far (at the
// end: in all).
func (run *Run) Losses() Losses {
	run.mu.RLock()
	defer run.mu.RUnlock()
	if run.closed {
		return run.losses
	}
	return run.r.losses()
}

// losses reads the kernel's loss counters.
func (r *runner) losses() Losses {
	if r.objs == nil || r.objs.lost == nil {
		return Losses{}
	}
	return Losses{Events: r.lostCount(codegen.LostEvents), MapUpdates: r.refusedUpdates()}
}

// markActing tells Script.Start that the probes act (or never will).
func (r *runner) markActing() {
	if r.acting != nil {
		r.actingOnce.Do(func() { close(r.acting) })
	}
}

// end records how the run ended and releases everything it holds; stop
// stops watching for stop requests.
func (run *Run) end(code int, err error, stop func()) {
	r := run.r
	r.proc.end()
	stop()
	run.mu.Lock()
	run.losses = r.losses()
	run.closed = true
	r.release()
	run.mu.Unlock()
	run.code, run.err = code, err
	r.closeEvents()
	close(run.done)
}

// Probes returns how many probes the run attached, counted as the
// "Attaching N probes..." line counts them.
func (run *Run) Probes() int { return run.r.probeCount() }
