package probes

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Hardware breakpoint types of perf_event_attr.bp_type (linux/hw_breakpoint.h).
const (
	hwBreakpointR = 1
	hwBreakpointW = 2
	hwBreakpointX = 4
)

// bpType is the bp_type of a watchpoint mode ("r", "w", "rw", "x").
func bpType(mode string) uint32 {
	var t uint32
	for _, c := range mode {
		switch c {
		case 'r':
			t |= hwBreakpointR
		case 'w':
			t |= hwBreakpointW
		case 'x':
			t |= hwBreakpointX
		}
	}
	return t
}

// attachWatch opens a hardware breakpoint event (PERF_TYPE_BREAKPOINT) on
// watchpoint:ADDR:LEN:MODE, sampling every hit, and attaches prog to it:
// on the -p process (following it across CPUs), else on every online CPU
// for any task, as bpftrace does without -p. The events start disabled,
// like the other perf events (attachPerf), until the run enables them.
// watchpoint:FUNC+argN is attachWatchFunc's.
func attachWatch(k *Kernel, t *Target, prog *ebpf.Program, _ uint64) ([]link.Link, error) {
	if t.Watch == nil {
		return nil, fmt.Errorf("BUG: %s target without a breakpoint", t.Provider)
	}
	if t.Func != "" {
		return attachWatchFunc(k, t, prog)
	}
	attr := unix.PerfEventAttr{
		Type:    unix.PERF_TYPE_BREAKPOINT,
		Size:    uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Sample:  1,
		Bits:    unix.PerfBitDisabled,
		Bp_type: bpType(t.Watch.Mode),
		Ext1:    t.Addr,              // bp_addr
		Ext2:    uint64(t.Watch.Len), // bp_len
	}
	type where struct{ pid, cpu int }
	var places []where
	if k.PID > 0 {
		places = []where{{k.PID, -1}}
	} else {
		cpus, err := OnlineCPUs()
		if err != nil {
			return nil, err
		}
		for _, cpu := range cpus {
			places = append(places, where{-1, cpu})
		}
	}
	var links []link.Link
	fail := func(err error) ([]link.Link, error) {
		for _, l := range links {
			l.Close()
		}
		return nil, err
	}
	for _, p := range places {
		fd, err := unix.PerfEventOpen(&attr, p.pid, p.cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			return fail(watchOpenError(t, err))
		}
		l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: prog, Attach: ebpf.AttachPerfEvent})
		if err != nil {
			unix.Close(fd)
			return fail(fmt.Errorf("link program to breakpoint event: %w", err))
		}
		links = append(links, &disabledPerf{Link: l, fd: fd})
	}
	return links, nil
}

func watchOpenError(t *Target, err error) error {
	wrapped := fmt.Errorf("perf_event_open of a %d-byte %q breakpoint at %#x: %w", t.Watch.Len, t.Watch.Mode, t.Addr, err)
	switch {
	case errors.Is(err, unix.EINVAL):
		return fmt.Errorf("%w: the kernel refuses this breakpoint (an x breakpoint must be %d bytes, and the address aligned to the length)", wrapped, unsafe.Sizeof(uintptr(0)))
	case errors.Is(err, unix.ENOSPC):
		return fmt.Errorf("%w: every hardware debug register is in use (x86 has 4)", wrapped)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("%w: run as root (or with CAP_PERFMON), or lower /proc/sys/kernel/perf_event_paranoid", wrapped)
	}
	return wrapped
}
