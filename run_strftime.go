package gtrace

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/output"
)

// bootClock is the wall-clock time the machine booted at, which turns a
// strftime() value's boot-clock nanoseconds into a date. It is read once
// per run, as bpftrace 0.17 reads it once at startup.
type bootClock struct {
	once sync.Once
	at   bootTime
}

// bootTime is CLOCK_REALTIME minus CLOCK_BOOTTIME, split as a timespec
// (0 <= nsec < 1e9), and the time zone dates print in.
type bootTime struct {
	sec, nsec int64
	loc       *time.Location
	ok        bool
}

// readBootTime reads the boot time from the clocks: the realtime clock is
// read on both sides of the boot clock and the two averaged. Tests replace
// it to print dates for bpftrace's boot time.
var readBootTime = func() bootTime {
	var before, boot, after unix.Timespec
	if unix.ClockGettime(unix.CLOCK_REALTIME, &before) != nil ||
		unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot) != nil ||
		unix.ClockGettime(unix.CLOCK_REALTIME, &after) != nil {
		return bootTime{}
	}
	real := (before.Nano() + after.Nano()) / 2
	d := real - boot.Nano()
	return bootTime{sec: d / 1e9, nsec: d % 1e9, loc: time.Local, ok: true}
}

func (c *bootClock) get() bootTime {
	c.once.Do(func() { c.at = readBootTime() })
	return c.at
}

// timestamp formats a strftime() value: the index of its call site (see
// codegen.Program.TimeFormats) and boot-clock nanoseconds, printed as the
// local wall-clock time they stand for.
func (r *runner) timestamp(idx int64, ns uint64) string {
	format := ""
	if r.prog != nil && idx >= 0 && idx < int64(len(r.prog.TimeFormats)) {
		format = r.prog.TimeFormats[idx]
	}
	boot := r.boot.get()
	if !boot.ok {
		return "(?)"
	}
	text := output.Strftime(format, strftimeTime(boot, ns))
	if text == "" || len(text) >= strftimeMax {
		// C strftime() returns 0 for an empty result or one that does
		// not fit bpftrace's 64-byte buffer: bpftrace 0.17 prints "(?)".
		return "(?)"
	}
	return text
}

// strftimeTime is the time bpftrace 0.17 formats for ns nanoseconds after
// boot, computed its way for every 64-bit value: the seconds through a
// double, (boot_nsec + ns) / 1e9, the microseconds (%f) from the same sum
// as unsigned 64-bit integers, which wrap.
func strftimeTime(boot bootTime, ns uint64) time.Time {
	sum := uint64(boot.nsec) + ns
	sec := int64(float64(boot.sec) + float64(sum)/1e9)
	usec := int64(sum % 1e9 / 1e3)
	return time.Unix(sec, usec*1e3).In(boot.loc)
}

// strftimeMax is the size of bpftrace's strftime() buffer (STRING_SIZE),
// its NUL included.
const strftimeMax = 64
