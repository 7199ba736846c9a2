package probes

import (
	"slices"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"
	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
)

// Kernel is the source of kernel facts: tracefs (events, format files),
// BTF (types, functions, raw tracepoints) and symbol lists. Everything is
// read on first use and cached; a Kernel is safe for concurrent use.
// It implements sema.Env.
type Kernel struct {
	// TracefsDir, when set, is used instead of finding (or mounting)
	// tracefs. Tests point it at a fixture tree (testdata/tracefs).
	TracefsDir string
	// NoMount stops Tracefs from mounting tracefs when it is missing.
	NoMount bool
	// BTF, when set, is used instead of the kernel's BTF.
	BTF *btf.Spec
	// NoBTF makes the kernel look as if it had no BTF (tests).
	NoBTF bool
	// PID, when set (-p), is the process whose mapped libraries resolve
	// uprobe and usdt library names first, and the only process uprobes
	// fire in.
	PID int
	// Command is the binary of the -c command and CommandPID its process,
	// set by the runner once the command is started (suspended), before
	// attaching: watchpoint:FUNC+argN probes FUNC there.
	Command    string
	CommandPID int

	user    userFiles     // parsed ELF binaries (uprobe, usdt)
	elfSyms symbols.Files // their symbol tables (also uaddr, usym, ustack)

	factsOnce sync.Once
	facts     *kernelFacts // made on first use, after the fields above are set

	mu       sync.Mutex
	formats  map[string]*formatEntry
	types    *btfConverter
	modBTF   map[string]moduleBTF     // module BTF by module name (protos.go)
	modTypes map[string]*btfConverter // converters of module BTF
	watches  map[*watchFunc]bool      // watchpoint:FUNC+argN targets attached, for Unwatch
}

type formatEntry struct {
	f   *Format
	err error
}

// env is sema.Env as declared in lang/sema/env.go, restated so that probes
// builds while sema is being changed; Go's structural typing makes *Kernel
// a sema.Env all the same (and TestEnvMatchesSema keeps the two in step).
type env interface {
	Tracepoints(category, event string) ([]string, error)
	TracepointArgs(category, event string) (*lang.Type, error)
	Struct(name string) (*lang.Type, error)
	Enumerator(name string) (value int64, ok bool, err error)
	Protos(p lang.Provider, module, pattern string) ([]*lang.Proto, error)
}

var _ env = (*Kernel)(nil)

// NewKernel returns a Kernel that reads the running kernel.
func NewKernel() *Kernel { return &Kernel{} }

// kernelFacts are the kernel facts a Kernel reads at most once each, on
// first use: nothing is read at startup.
type kernelFacts struct {
	tracefs     func() (string, error)
	events      func() ([]string, error) // "category:event", sorted
	btf         func() (*btf.Spec, error)
	rawTPs      func() ([]string, error)
	kernelFuncs func() ([]string, error) // kprobe functions, sorted
	btfFuncs    func() ([]string, error)
	// kallsyms is the kernel symbol table (kprobe lists, kaddr, ksym,
	// kstack).
	kallsyms *symbols.Kallsyms
}

// cached returns the Kernel's facts, each read on first use.
func (k *Kernel) cached() *kernelFacts {
	k.factsOnce.Do(func() {
		k.facts = &kernelFacts{
			tracefs:     sync.OnceValues(k.findTracefs),
			events:      sync.OnceValues(k.readEvents),
			btf:         sync.OnceValues(k.readBTF),
			rawTPs:      sync.OnceValues(k.readRawTracepoints),
			kernelFuncs: sync.OnceValues(k.readKernelFuncs),
			btfFuncs:    sync.OnceValues(k.readBTFFuncs),
			kallsyms:    symbols.NewKallsyms(symbols.KallsymsPath),
		}
	})
	return k.facts
}

// Tracefs returns the tracefs directory, mounting it when needed (see the
// package function Tracefs). The answer is cached.
func (k *Kernel) Tracefs() (string, error) { return k.cached().tracefs() }

func (k *Kernel) findTracefs() (string, error) {
	switch {
	case k.TracefsDir != "":
		return k.TracefsDir, nil
	case k.NoMount:
		if dir := FindTracefs(); dir != "" {
			return dir, nil
		}
		_, err := tracefsMissing(false)
		return "", err
	default:
		return Tracefs()
	}
}

// Spec returns the kernel BTF (parsed once by cilium/ebpf, which caches it
// process-wide). Kernel BTF: 5.2+ with CONFIG_DEBUG_INFO_BTF.
func (k *Kernel) Spec() (*btf.Spec, error) { return k.cached().btf() }

func (k *Kernel) readBTF() (*btf.Spec, error) {
	switch {
	case k.BTF != nil:
		return k.BTF, nil
	case k.NoBTF:
		return nil, errNoBTF
	default:
		return kernelBTF.Kernel() // shared with the loader
	}
}

// Tracepoints implements sema.Env.
func (k *Kernel) Tracepoints(category, event string) ([]string, error) {
	evs, err := k.Events()
	if err != nil {
		return nil, err
	}
	if !strings.ContainsAny(category, "*?") && !strings.ContainsAny(event, "*?") {
		// An exact name, the common case: one string comparison per event
		// instead of two globs (10k clauses naming a tracepoint took
		// seconds to check).
		if name := category + ":" + event; slices.Contains(evs, name) {
			return []string{name}, nil
		}
		return nil, nil
	}
	var out []string
	for _, e := range evs {
		c, n, _ := cutColon(e)
		if Match(category, c) && Match(event, n) {
			out = append(out, e)
		}
	}
	return out, nil
}

// TracepointArgs implements sema.Env.
func (k *Kernel) TracepointArgs(category, event string) (*lang.Type, error) {
	f, err := k.Format(category, event)
	if err != nil {
		return nil, err
	}
	return f.Record(), nil
}

// Struct implements sema.Env: "struct task_struct", "union bpf_attr",
// "enum pid_type" or a typedef name, from BTF. Unknown names give nil, nil.
func (k *Kernel) Struct(name string) (*lang.Type, error) {
	spec, err := k.Spec()
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.types == nil {
		k.types = newBTFConverter(spec)
	}
	return k.types.byName(name)
}

func cutColon(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
