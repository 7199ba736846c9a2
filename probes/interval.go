package probes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

func init() {
	register(&Provider{Kind: lang.Interval, Target: timerTarget(lang.Interval), Attach: attachPerf})
	register(&Provider{Kind: lang.Profile, Target: timerTarget(lang.Profile), Attach: attachPerf})
}

// Both are perf cpu-clock software events: profile samples on every CPU,
// interval fires on one CPU.
func timerTarget(kind lang.Provider) func(*Kernel, []string) (Target, error) {
	return func(_ *Kernel, args []string) (Target, error) {
		ev, err := ParseRate(kind, args)
		if err != nil {
			return Target{}, err
		}
		return Target{Provider: kind, Name: probeName(kind, args...), Perf: ev}, nil
	}
}

// durationUnits are the suffixes of the newer `interval:1s` form (bpftrace
// duration literals), in nanoseconds.
var durationUnits = map[string]uint64{
	"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9, "d": 86400e9,
}

// ParseRate parses the args of an interval or profile probe:
//
//	UNIT:N   with UNIT one of s, ms, us, hz (bpftrace 0.17)
//	N        nanoseconds (newer bpftrace)
//	Nunit    a duration: 1s, 100ms, 5us, 1m (newer bpftrace)
//
// hz becomes a sample frequency for profile (the kernel spreads samples)
// and a period of 1e9/N ns for interval, as bpftrace does.
func ParseRate(kind lang.Provider, args []string) (*PerfEvent, error) {
	ev := &PerfEvent{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_CPU_CLOCK, AllCPUs: kind == lang.Profile}
	var unit, count string
	switch len(args) {
	case 1:
		s := args[0]
		i := len(s)
		for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
			i--
		}
		count, unit = s[:i], s[i:]
		if unit == "" {
			unit = "ns"
		}
		if _, ok := durationUnits[unit]; !ok || count == "" {
			return nil, fmt.Errorf("invalid %s rate %q: want a duration such as 1s, 100ms, 10us or a count in ns", kind, s)
		}
	case 2:
		unit, count = args[0], args[1]
		switch unit {
		case "s", "ms", "us", "hz", "ns":
		default:
			return nil, fmt.Errorf("invalid %s unit %q: want one of s, ms, us, hz", kind, unit)
		}
	default:
		return nil, fmt.Errorf("%s probes take a rate: %s:s:1, %s:hz:99 or %s:1s", kind, kind, kind, kind)
	}
	n, err := strconv.ParseUint(strings.ReplaceAll(count, "_", ""), 10, 64)
	if err != nil || n == 0 {
		return nil, fmt.Errorf("invalid %s count %q: want a positive integer", kind, count)
	}
	if unit == "hz" {
		if kind == lang.Profile {
			ev.Freq = n
		} else {
			ev.Period = 1e9 / n
			if ev.Period == 0 {
				return nil, fmt.Errorf("%s rate %d hz is above 1e9 hz", kind, n)
			}
		}
		return ev, nil
	}
	mult := durationUnits[unit]
	if n > ^uint64(0)/mult {
		return nil, fmt.Errorf("%s period %s%s overflows", kind, count, unit)
	}
	ev.Period = n * mult
	return ev, nil
}
