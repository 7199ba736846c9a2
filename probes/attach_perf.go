package probes

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

// attachPerf opens the target's perf event (software cpu-clock for profile
// and interval, the named event for software and hardware) on every online
// CPU, or on the first one for interval, and attaches prog to each with a
// BPF perf link (BPF_LINK_TYPE_PERF_EVENT, 5.15+).
//
// The events are opened disabled: (*Attachment).Enable starts them, so
// that the first period of an interval or profile probe counts from the
// start of the run (after BEGIN), not from when it was attached. Each
// link keeps its perf fd until then (disabledPerf); the link holds its
// own reference to the event.
func attachPerf(_ *Kernel, t *Target, prog *ebpf.Program, _ uint64) ([]link.Link, error) {
	ev := t.Perf
	if ev == nil {
		return nil, fmt.Errorf("BUG: %s target without a perf event", t.Provider)
	}
	cpus, err := OnlineCPUs()
	if err != nil {
		return nil, err
	}
	if !ev.AllCPUs {
		cpus = cpus[:1]
	}
	attr := unix.PerfEventAttr{
		Type:   ev.Type,
		Config: ev.Config,
		Size:   uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Sample: ev.Period,
		Bits:   unix.PerfBitDisabled,
	}
	if ev.Freq != 0 {
		attr.Sample = ev.Freq
		attr.Bits |= unix.PerfBitFreq
	}
	var links []link.Link
	fail := func(err error) ([]link.Link, error) {
		for _, l := range links {
			l.Close()
		}
		return nil, err
	}
	for _, cpu := range cpus {
		fd, err := unix.PerfEventOpen(&attr, -1, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			return fail(perfOpenError(t, cpu, err))
		}
		l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: prog, Attach: ebpf.AttachPerfEvent})
		if err != nil {
			unix.Close(fd)
			return fail(fmt.Errorf("link program to perf event on CPU %d: %w", cpu, err))
		}
		links = append(links, &disabledPerf{Link: l, fd: fd})
	}
	return links, nil
}

// disabledPerf is a perf link whose event was opened disabled, with the
// event's fd to enable it by.
type disabledPerf struct {
	link.Link
	fd int // -1 once enabled
}

// enable starts the event and drops our fd (the link keeps the event).
func (l *disabledPerf) enable() error {
	if l.fd < 0 {
		return nil
	}
	err := unix.IoctlSetInt(l.fd, unix.PERF_EVENT_IOC_ENABLE, 0)
	unix.Close(l.fd)
	l.fd = -1
	if err != nil {
		return fmt.Errorf("enabling a perf event: %w", err)
	}
	return nil
}

func (l *disabledPerf) Close() error {
	if l.fd >= 0 {
		unix.Close(l.fd)
		l.fd = -1
	}
	return l.Link.Close()
}

func perfOpenError(t *Target, cpu int, err error) error {
	err = fmt.Errorf("perf_event_open on CPU %d: %w", cpu, err)
	if t.Provider == lang.Hardware && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP)) {
		return fmt.Errorf("%w: this machine has no hardware PMU for %s (virtual machines often lack one); use software or profile probes", err, t.Event)
	}
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w: run as root (or with CAP_PERFMON), or lower /proc/sys/kernel/perf_event_paranoid", err)
	}
	return err
}

// OnlineCPUs returns the online CPU numbers from
// /sys/devices/system/cpu/online ("0-3,5,7-8").
func OnlineCPUs() ([]int, error) { return onlineCPUs() }

// onlineCPUs reads them once.
var onlineCPUs = sync.OnceValues(func() ([]int, error) {
	data, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return nil, fmt.Errorf("list online CPUs: %w", err)
	}
	return parseCPUList(strings.TrimSpace(string(data)))
})

func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("bad CPU list %q", s)
	}
	return cpus, nil
}
