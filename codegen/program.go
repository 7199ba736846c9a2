package codegen

import (
	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/probes"
)

// Names of the runtime maps every compiled program has in Program.Spec.
const (
	// EventsMap is the BPF_MAP_TYPE_RINGBUF (5.8+) carrying async actions:
	// each record starts with a u64 action id (index into Program.Actions),
	// followed by that action's arguments at their Arg offsets.
	EventsMap = "events"
	// StateMap is a one-element array whose value holds the global flags;
	// word 0 is "stopped": every program loads it by direct map-value
	// access first and returns at once when it is set.
	// (runtime: END programs must NOT test it; the runtime runs END after
	// setting it, and END must still print and update maps.)
	StateMap = "state"
	// LostMap is a per-CPU array of counters: [LostEvents] ring-buffer
	// reserve failures, then for each user map (from its Def.LostBase) the
	// updates the kernel refused, one counter per cause (LostFull, ...).
	LostMap = "lost"
	// ZeroMap is a one-element array whose value is all zeroes and never
	// written: new hist/lhist keys are inserted from it, since their
	// values are larger than the 512-byte stack. Present only when needed.
	ZeroMap = "zero"
	// ScratchMap is a per-CPU array with one entry per program: memory
	// the verifier does not track value by value (the scalar variables a
	// for-over-map body shares with its caller). Present only when needed.
	ScratchMap = "scratch"
	// BigMap is a per-CPU array with one entry per program: the large
	// temporaries (strings, tuples, keys) of a program whose frame would
	// not fit the kernel's 512-byte stack, addressed through R9. Present
	// only when needed; programs that fit keep everything on the stack.
	BigMap = "bigstack"
)

// LostEvents is the index in LostMap of the ring-buffer reserve failures.
const LostEvents = 0

// Causes of a refused map update, each counted per map at
// Def.LostBase + cause in LostMap.
const (
	LostFull  = iota // E2BIG: the map holds its max_entries keys
	LostNoMem        // ENOMEM: a map without preallocation found no memory for a new key
	LostOther        // any other error (EBUSY: a probe interrupted an update of the map on its CPU)
	LostCauses
)

// Offsets into the StateMap value (StateSize bytes, all u64). The runtime
// writes StateStartNs (bpf_ktime_get_boot_ns clock, i.e. CLOCK_BOOTTIME)
// before running BEGIN: `elapsed` is nsecs minus it. StateStopped holds
// the run's phase (PhaseStarting, PhaseRunning, PhaseStopped).
const (
	StateStopped = 0
	StateStartNs = 8
	StateSize    = 16
)

// Values of the phase word (StateStopped). Every probe but BEGIN and END
// returns at once unless it reads PhaseRunning: the test each program
// makes first anyway (is the script stopping?) also keeps the attached
// probes quiet until BEGIN has run, at no cost per event. BEGIN returns
// only on PhaseStopped (an exit() in an earlier BEGIN).
const (
	PhaseRunning  = 0 // BEGIN has run: every probe acts
	PhaseStopped  = 1 // exit() or a stop: only END runs
	PhaseStarting = 2 // attached, BEGIN not yet run
)

// Program is a compiled script: kernel program and map specs plus all that
// user space needs to attach them and interpret what they produce. It is
// pure data: building it makes no syscalls.
type Program struct {
	Spec    *ebpf.CollectionSpec
	Probes  []*Probe
	Maps    map[string]*maps.Def // user maps by name ("" is @); in Spec.Maps under Def.SpecName()
	Actions []*Action            // indexed by action id
	// ProbeNames maps a value of the `probe` builtin (as decoded by
	// maps.Decoder{Probes: ProbeNames}) to the probe's name.
	ProbeNames []string
	// Stacks lists the stack-trace maps (kstack/ustack values hold ids in
	// them), by spec name.
	Stacks map[string]*StackMap
	// TimeFormats holds the format of each strftime() call site. A
	// timestamp value is 16 bytes, as in bpftrace 0.17: the index of its
	// call site here, then the 64-bit boot-clock nanoseconds (maps
	// TimestampIDOffset, TimestampNsOffset). One index per call site, not
	// per format, as bpftrace: two calls with the same format and time
	// are two map keys.
	TimeFormats []string
}

// StackMap is a BPF_MAP_TYPE_STACK_TRACE map of one depth.
type StackMap struct {
	Name  string // key in Spec.Maps
	Depth int
}

// Probe is one generated program and the targets it is attached to.
type Probe struct {
	Program  string // key in Spec.Programs
	Clause   int    // index into lang.Program.Probes
	Provider lang.Provider
	Targets  []probes.Target // BEGIN/END have one target and are run, not attached
	// Cookies holds the BPF cookie to attach each target with (parallel
	// to Targets): the `probe` builtin reads it with bpf_get_attach_cookie
	// when one program serves several targets. It is the index of the
	// target's name in Program.ProbeNames.
	Cookies []uint64
	// RawSyscalls, when set ("sys_enter" or "sys_exit"), says that the
	// targets are syscalls:* events served by one tp_btf program on that
	// raw_syscalls tracepoint, which filters by syscall number: attach
	// the program there once, not to each target.
	RawSyscalls string
}

// ActionKind says what user space does with an event.
type ActionKind uint8

const (
	ActPrintf      ActionKind = iota
	ActPrint                  // print(@map[, top[, div]])
	ActPrintValue             // print(value)
	ActTime                   // time(fmt)
	ActCat                    // cat(fmt, args...)
	ActSystem                 // system(fmt, args...)
	ActJoin                   // join(array[, sep])
	ActExit                   // exit([code])
	ActClear                  // clear(@map)
	ActZero                   // zero(@map)
	ActHelperError            // a helper call failed (-k, -kk): Helper at Span
	ActUnwatch                // unwatch(addr)
	ActErrorf                 // errorf(fmt, args...)
	ActWarnf                  // warnf(fmt, args...)
)

// Action is one async call site.
type Action struct {
	Kind   ActionKind
	Call   *lang.Call
	Format []lang.FormatSegment // printf, system, cat, time, errorf, warnf
	Args   []Arg                // payload layout after the 8-byte action id
	Map    string               // print, clear, zero
	Top    int64                // print(@m, top, div)
	Div    int64
	// Size is the size of the record in bytes (the action id included).
	Size int
	// Sep is join()'s separator; join's Args[0] is an array of
	// JoinArgs strings of JoinSize bytes each (unused slots are empty).
	Sep string
	// Helper and Span say which helper failed where (ActHelperError);
	// Args[0] is its return value.
	Helper string
	Span   lang.Span
}

// Arg is where one argument sits in an event record and how to decode it
// (maps.Decoder.Decode(Type, record[Offset:])).
type Arg struct {
	Offset int // from the start of the record (the action id is at 0)
	Type   *lang.Type
}
