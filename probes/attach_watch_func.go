package probes

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/internal/ringbuf"
	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

// watchpoint:FUNC+argN:LEN:MODE watches an address known only when FUNC
// runs in the traced process (-c or -p), as bpftrace does: a uprobe on
// FUNC sends argument N and the process id to user space through a ring
// buffer and, for watchpoint (not asyncwatchpoint), stops the process with
// SIGSTOP (bpf_send_signal, 5.3+) so that nothing touches the address
// before the breakpoint is set; user space opens the breakpoint event on
// that process (once per address), attaches the clause's program and
// sends SIGCONT.

// watchSetupRecord is what the setup program writes: the address, then
// bpf_get_current_pid_tgid().
const watchSetupRecord = 16

// attachWatchFunc attaches the setup uprobe of a watchpoint:FUNC+argN
// target; prog is the clause's program, attached to each breakpoint as
// its address arrives. The returned link's Close detaches everything.
func attachWatchFunc(k *Kernel, t *Target, prog *ebpf.Program) ([]link.Link, error) {
	bin, pid := k.Command, k.CommandPID
	if bin == "" && k.PID > 0 {
		bin, pid = "/proc/"+strconv.Itoa(k.PID)+"/exe", k.PID
	}
	if bin == "" || pid <= 0 {
		return nil, fmt.Errorf("%s+arg%d: a watchpoint on a function argument needs the process: -p PID or -c CMD", t.Func, t.Offset)
	}
	regs := HostRegs()
	if int(t.Offset) >= len(regs.Args) {
		return nil, fmt.Errorf("%s+arg%d: only the first %d arguments (in registers) can be watched", t.Func, t.Offset, len(regs.Args))
	}
	argOff, _ := regs.Offset(regs.Args[t.Offset])
	rb, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.RingBuf, MaxEntries: uint32(4 * os.Getpagesize())})
	if err != nil {
		return nil, fmt.Errorf("watchpoint setup ring buffer: %w", err)
	}
	w := &watchFunc{t: t, prog: prog, rb: rb, sync: t.Provider == lang.Watchpoint,
		seen: map[uint64]bool{}, links: map[uint64]link.Link{}}
	insns := asm.Instructions{asm.LoadMem(asm.R7, asm.R1, argOff, asm.DWord)}
	if w.sync {
		// The stop is queued before user space can hear of the address,
		// so its SIGCONT always comes after.
		insns = append(insns, asm.Mov.Imm(asm.R1, int32(unix.SIGSTOP)), asm.FnSendSignal.Call())
	}
	insns = append(insns,
		asm.FnGetCurrentPidTgid.Call(),
		asm.StoreMem(asm.RFP, -8, asm.R0, asm.DWord),
		asm.StoreMem(asm.RFP, -16, asm.R7, asm.DWord),
		asm.LoadMapPtr(asm.R1, rb.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -watchSetupRecord),
		asm.Mov.Imm(asm.R3, watchSetupRecord),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	)
	w.setup, err = ebpf.NewProgram(&ebpf.ProgramSpec{Name: "watch_setup", Type: ebpf.Kprobe, License: "GPL", Instructions: insns})
	if err != nil {
		w.closeAll()
		return nil, fmt.Errorf("watchpoint setup program: %w", err)
	}
	funcs, err := watchFuncs(k, bin, t.Func)
	if err != nil {
		w.closeAll()
		return nil, err
	}
	ex, err := link.OpenExecutable(bin)
	if err != nil {
		w.closeAll()
		return nil, err
	}
	for _, fn := range funcs {
		up, err := ex.Uprobe(fn, w.setup, &link.UprobeOptions{PID: pid, TraceFSPrefix: "gtrace"})
		if err != nil {
			w.closeAll()
			return nil, fmt.Errorf("uprobe %s:%s for the watchpoint: %w", bin, fn, err)
		}
		w.uprobes = append(w.uprobes, up)
	}
	w.rd, err = ringbuf.NewReader(rb)
	if err != nil {
		w.closeAll()
		return nil, err
	}
	w.done = make(chan struct{})
	go w.serve()
	k.mu.Lock()
	if k.watches == nil {
		k.watches = map[*watchFunc]bool{}
	}
	k.watches[w] = true
	w.k = k
	k.mu.Unlock()
	return []link.Link{&watchFuncLink{Link: w.uprobes[0], w: w}}, nil
}

// watchFuncs returns the functions of bin that pattern names: itself, or
// those its wildcard matches.
func watchFuncs(k *Kernel, bin, pattern string) ([]string, error) {
	if !HasWildcard(pattern) {
		return []string{pattern}, nil
	}
	ef, err := k.elfFile(bin)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range ef.Funcs {
		if Match(pattern, f.Name) {
			out = append(out, f.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function of %s matches %s", bin, pattern)
	}
	return out, nil
}

// watchFunc is the user-space half of one watchpoint:FUNC+argN target.
type watchFunc struct {
	t     *Target
	prog  *ebpf.Program
	rb    *ebpf.Map
	setup *ebpf.Program
	// uprobes are the setup program's links, one per function; the first
	// is the one watchFuncLink embeds.
	uprobes []link.Link
	rd      *ringbuf.Reader
	sync    bool
	done    chan struct{} // closed when serve returns
	k       *Kernel       // where it is registered for Unwatch, once serving

	mu    sync.Mutex
	seen  map[uint64]bool      // addresses watched, or unwatched: never set again
	links map[uint64]link.Link // the breakpoint of each watched address
}

// serve sets a breakpoint for each new address the setup program reports
// and lets the stopped process go on, until the reader is closed.
func (w *watchFunc) serve() {
	defer close(w.done)
	var rec ringbuf.Record
	for {
		if err := w.rd.ReadInto(&rec); err != nil {
			return // closed
		}
		if len(rec.RawSample) < watchSetupRecord {
			continue
		}
		addr := binary.NativeEndian.Uint64(rec.RawSample)
		tgid := int(binary.NativeEndian.Uint64(rec.RawSample[8:]) >> 32)
		if err := w.watch(addr, tgid); err != nil {
			fmt.Fprintf(os.Stderr, "WARNING: %s: %v\n", w.t.Name, err)
		}
		if w.sync {
			// Always: a process left stopped would hang the run.
			unix.Kill(tgid, unix.SIGCONT)
		}
	}
}

// watch opens an enabled breakpoint event on process tgid at addr and
// attaches the clause's program, once per address.
func (w *watchFunc) watch(addr uint64, tgid int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil || w.seen[addr] {
		return nil // closed, or set (or unwatched) before
	}
	w.seen[addr] = true
	attr := unix.PerfEventAttr{
		Type:    unix.PERF_TYPE_BREAKPOINT,
		Size:    uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Sample:  1,
		Bp_type: bpType(w.t.Watch.Mode),
		Ext1:    addr,
		Ext2:    uint64(w.t.Watch.Len),
	}
	fd, err := unix.PerfEventOpen(&attr, tgid, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		t := *w.t
		t.Addr = addr
		return watchOpenError(&t, err)
	}
	l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: w.prog, Attach: ebpf.AttachPerfEvent})
	unix.Close(fd) // the link holds the event
	if err != nil {
		return fmt.Errorf("link program to breakpoint event at %#x: %w", addr, err)
	}
	w.links[addr] = l
	return nil
}

// unwatch closes the breakpoint at addr, for good: a later call of FUNC
// with the same address does not set it again (as bpftrace's unwatch).
func (w *watchFunc) unwatch(addr uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.links[addr]
	if !ok {
		return nil
	}
	delete(w.links, addr)
	return l.Close()
}

// Unwatch removes the breakpoints that watchpoint:FUNC+argN probes set at
// addr (unwatch(addr) in a script).
func (k *Kernel) Unwatch(addr uint64) error {
	k.mu.Lock()
	ws := make([]*watchFunc, 0, len(k.watches))
	for w := range k.watches {
		ws = append(ws, w)
	}
	k.mu.Unlock()
	var errs []error
	for _, w := range ws {
		errs = append(errs, w.unwatch(addr))
	}
	return errors.Join(errs...)
}

// closeAll releases what attachWatchFunc made, the breakpoints included.
func (w *watchFunc) closeAll() error {
	if w.k != nil {
		w.k.mu.Lock()
		delete(w.k.watches, w)
		w.k.mu.Unlock()
	}
	var errs []error
	if w.rd != nil {
		errs = append(errs, w.rd.Close())
		<-w.done
	}
	w.mu.Lock()
	for _, l := range w.links {
		errs = append(errs, l.Close())
	}
	w.links, w.seen = nil, nil
	w.mu.Unlock()
	for _, l := range w.uprobes {
		errs = append(errs, l.Close())
	}
	if w.setup != nil {
		errs = append(errs, w.setup.Close())
	}
	errs = append(errs, w.rb.Close())
	return errors.Join(errs...)
}

// watchFuncLink is the setup uprobe's link; closing it also stops the
// address reader and closes the breakpoints.
type watchFuncLink struct {
	link.Link
	w *watchFunc
}

func (l *watchFuncLink) Close() error { return l.w.closeAll() }
