package probes

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

// perfEvent is one software or hardware event of bpftrace's lists, with
// the sample period used when the script gives none.
type perfEvent struct {
	name, alias string
	config      uint64
	period      uint64
}

// softwareEvents are perf software events (PERF_TYPE_SOFTWARE, 2.6.31+;
// bpf-output 4.4+), with bpftrace's default periods.
var softwareEvents = []perfEvent{
	{"alignment-faults", "", unix.PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
	{"bpf-output", "", unix.PERF_COUNT_SW_BPF_OUTPUT, 1},
	{"context-switches", "cs", unix.PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
	{"cpu-clock", "cpu", unix.PERF_COUNT_SW_CPU_CLOCK, 1000000},
	{"cpu-migrations", "", unix.PERF_COUNT_SW_CPU_MIGRATIONS, 1},
	{"dummy", "", unix.PERF_COUNT_SW_DUMMY, 1},
	{"emulation-faults", "", unix.PERF_COUNT_SW_EMULATION_FAULTS, 1},
	{"major-faults", "", unix.PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
	{"minor-faults", "", unix.PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
	{"page-faults", "faults", unix.PERF_COUNT_SW_PAGE_FAULTS, 100},
	{"task-clock", "", unix.PERF_COUNT_SW_TASK_CLOCK, 1},
}

// hardwareEvents are generic CPU PMU events (PERF_TYPE_HARDWARE); they need
// a PMU, which VMs often lack.
var hardwareEvents = []perfEvent{
	{"backend-stalls", "", unix.PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000},
	{"branch-instructions", "branches", unix.PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000},
	{"branch-misses", "", unix.PERF_COUNT_HW_BRANCH_MISSES, 100000},
	{"bus-cycles", "", unix.PERF_COUNT_HW_BUS_CYCLES, 100000},
	{"cache-misses", "", unix.PERF_COUNT_HW_CACHE_MISSES, 1000000},
	{"cache-references", "", unix.PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
	{"cpu-cycles", "cycles", unix.PERF_COUNT_HW_CPU_CYCLES, 1000000},
	{"frontend-stalls", "", unix.PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000},
	{"instructions", "", unix.PERF_COUNT_HW_INSTRUCTIONS, 1000000},
	{"ref-cycles", "", unix.PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
}

func init() {
	register(perfProvider(lang.Software, unix.PERF_TYPE_SOFTWARE, softwareEvents))
	register(perfProvider(lang.Hardware, unix.PERF_TYPE_HARDWARE, hardwareEvents))
}

// perfProvider builds the entry of `software:event[:count]` or
// `hardware:event[:count]`.
func perfProvider(kind lang.Provider, typ uint32, events []perfEvent) *Provider {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.name
	}
	slices.Sort(names)
	return &Provider{
		Kind:  kind,
		Names: func(*Kernel) ([]string, error) { return names, nil },
		// A listed name is the event alone; the count stays as written.
		Split:  func(n string) []string { return []string{n} },
		Listed: func(*Kernel) bool { return true },
		Attach: attachPerf,
		// Software events of one kind are kept newest first (the
		// swevent hash list); hardware counters fire each on its own.
		NewestFirst: kind == lang.Software,
		Target: func(_ *Kernel, args []string) (Target, error) {
			var ev *perfEvent
			for i := range events {
				if events[i].name == args[0] || events[i].alias != "" && events[i].alias == args[0] {
					ev = &events[i]
				}
			}
			if ev == nil {
				return Target{}, fmt.Errorf("unknown %s event %q (see gtrace -l '%s:*')", kind, args[0], kind)
			}
			period := ev.period
			if len(args) == 2 {
				n, err := strconv.ParseUint(args[1], 0, 64)
				if err != nil || n == 0 {
					return Target{}, fmt.Errorf("%s count must be a positive integer, not %q", kind, args[1])
				}
				period = n
			}
			return Target{
				Provider: kind,
				Name:     probeName(kind, args...),
				Event:    ev.name,
				Perf:     &PerfEvent{Type: typ, Config: ev.config, Period: period, AllCPUs: true},
			}, nil
		},
	}
}
