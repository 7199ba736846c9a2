package probes

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
)

// Target is one concrete probe: an attach point after wildcard expansion.
// It carries what its provider's Attach step needs.
type Target struct {
	Provider lang.Provider
	// Name is the full probe name as the `probe` builtin prints it:
	// "tracepoint:syscalls:sys_enter_openat", "BEGIN", "interval:s:1".
	Name string
	// From is the attach point as written that produced this target.
	From *lang.AttachPoint

	Category string // tracepoint category; module of a kprobe/fentry/rawtracepoint ("" = vmlinux)
	Event    string // tracepoint/raw tracepoint event; iter name; self probe signal
	Func     string // kprobe/kretprobe/fentry/fexit/uprobe/uretprobe symbol
	Offset   uint64 // kprobe:fn+off, uprobe:bin:fn+off
	Addr     uint64 // uprobe:bin:0xaddr, watchpoint address
	Path     string // uprobe/usdt binary; iter pin path
	USDT     string // usdt provider namespace ("" when not given)

	// FileOffset is where a uprobe or usdt target goes, as an offset into
	// Path (symbol, +offset and address resolved at expansion); RefCtr is
	// the file offset of a usdt probe's semaphore (0: none) and USDTArgs
	// its argument specs (see uprobe.go, usdt.go).
	FileOffset uint64
	RefCtr     uint64
	USDTArgs   []USDTArg

	Perf  *PerfEvent  // software, hardware, profile, interval
	Watch *Watchpoint // watchpoint, asyncwatchpoint

	// misplaced names a uprobe:bin:fn+off whose offset is inside an
	// instruction, or could not be checked (placeErr); see CheckPlacement.
	misplaced string
	placeErr  error
}

// PerfEvent describes a perf_event_open(2) event: PERF_TYPE_* and its config,
// and either a sample period or a sample frequency (Freq != 0).
type PerfEvent struct {
	Type    uint32 // unix.PERF_TYPE_SOFTWARE, unix.PERF_TYPE_HARDWARE
	Config  uint64 // PERF_COUNT_SW_*, PERF_COUNT_HW_*
	Period  uint64 // events (or ns for cpu-clock) between samples
	Freq    uint64 // samples per second; when set, Period is 0
	AllCPUs bool   // one event per online CPU (profile, software, hardware); interval uses one CPU
}

// Watchpoint describes a hardware breakpoint (PERF_TYPE_BREAKPOINT).
type Watchpoint struct {
	Len  int    // 1, 2, 4 or 8 bytes
	Mode string // subset of "rwx" in that order
}

// Provider is the registry entry of one probe type. Entries are data plus a
// few funcs; Expand and List are generic over them.
type Provider struct {
	Kind lang.Provider
	// Names returns the probe names (the part after "provider:") that can
	// be listed or matched by wildcards, sorted. nil: no wildcards.
	Names func(k *Kernel) ([]string, error)
	// Split turns one listed name back into attach point args; nil means
	// split on ':'.
	Split func(name string) []string
	// Target builds and validates the target of a concrete attach point
	// (args without wildcards).
	Target func(k *Kernel, args []string) (Target, error)
	// Params returns the `-lv` lines (without indentation) of one name.
	Params func(k *Kernel, name string) []string
	// Listed tells whether `-l` without a provider (or with a wildcard
	// provider) includes this provider, as bpftrace lists only kernel
	// probe types that need no target.
	Listed func(k *Kernel) bool
	// Expand, when set, replaces the generic expansion: providers whose
	// names depend on the attach point itself (uprobe and usdt read the
	// binary it names). List is their -l: the names (after "provider:")
	// matching pattern.
	Expand func(k *Kernel, args []string) ([]Target, error)
	List   func(k *Kernel, pattern string) ([]string, error)
	// Attach attaches a loaded program to one target of this provider:
	// the fd-based links that keep it there (one per CPU for profile and
	// software events). cookie is what bpf_get_attach_cookie returns. nil
	// for probes run by user space (BEGIN, END, self) and those not
	// attachable yet; Kernel.Attach reports ErrNotAttachable for them.
	Attach func(k *Kernel, t *Target, prog *ebpf.Program, cookie uint64) ([]link.Link, error)
	// NewestFirst tells that the kernel runs the programs attached to one
	// target newest first (uprobe consumers, kprobes, software perf
	// events, fentry trampolines): clauses on the same target fire in the
	// order of the script when they are attached in reverse, as bpftrace
	// attaches them.
	NewestFirst bool
}

// NewestFirst reports whether the programs attached to one target of
// provider p run newest first (Provider.NewestFirst).
func NewestFirst(p lang.Provider) bool {
	e := Lookup(p)
	return e != nil && e.NewestFirst
}

// registry holds one entry per lang.Provider, filled by the providers'
// files in their init functions.
var registry [len(lang.Providers)]*Provider

func register(p *Provider) {
	if registry[p.Kind] != nil {
		panic("BUG: provider registered twice: " + p.Kind.String())
	}
	registry[p.Kind] = p
}

// Lookup returns the registry entry of a provider, or nil.
func Lookup(p lang.Provider) *Provider {
	if int(p) < len(registry) {
		return registry[p]
	}
	return nil
}

// HasWildcard reports whether s contains a glob metacharacter.
func HasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// Expand turns one attach point into its concrete targets. Wildcards are
// matched against the provider's Names; a wildcard that matches nothing
// yields an error (bpftrace: "No probes to attach"), so do exact names that
// the provider can check (a missing tracepoint).
func (k *Kernel) Expand(ap *lang.AttachPoint) ([]Target, error) {
	p := Lookup(ap.Provider)
	if p == nil {
		return nil, fmt.Errorf("%s: unknown probe type", ap.Raw)
	}
	info := lang.Providers[ap.Provider]
	if len(ap.Args) < info.MinArgs || len(ap.Args) > info.MaxArgs {
		return nil, fmt.Errorf("%s: %s probes take %s", apText(ap), info.Name, argCount(info))
	}
	if p.Expand != nil {
		ts, err := p.Expand(k, ap.Args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", apText(ap), err)
		}
		for i := range ts {
			ts[i].From = ap
		}
		return ts, nil
	}
	wild := false
	for _, a := range ap.Args {
		wild = wild || HasWildcard(a)
	}
	if !wild {
		t, err := p.Target(k, ap.Args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", apText(ap), err)
		}
		t.From = ap
		return []Target{t}, nil
	}
	if p.Names == nil {
		return nil, fmt.Errorf("%s: %s probes do not support wildcards", apText(ap), info.Name)
	}
	names, err := p.Names(k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", apText(ap), err)
	}
	var out []Target
	for _, n := range names {
		args := p.split(n)
		if !matchArgs(ap.Args, args) {
			continue
		}
		t, err := p.Target(k, args)
		if err != nil {
			continue // listed but not usable (e.g. a vanished event)
		}
		t.From = ap
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, missing(fmt.Errorf("%s: no probes match the wildcard", apText(ap)))
	}
	return out, nil
}

func (p *Provider) split(name string) []string {
	if p.Split != nil {
		return p.Split(name)
	}
	return strings.Split(name, ":")
}

// matchArgs matches the written args against a listed name's args, one
// component at a time. A written list shorter than the name's (kprobe:fn
// for a name with a module) matches the trailing components.
func matchArgs(pat, args []string) bool {
	if len(pat) > len(args) {
		return false
	}
	args = args[len(args)-len(pat):]
	for i := range pat {
		if !Match(pat[i], args[i]) {
			return false
		}
	}
	return true
}

func apText(ap *lang.AttachPoint) string {
	if ap.Raw != "" {
		return ap.Raw
	}
	return ap.Name()
}

func argCount(info lang.ProviderInfo) string {
	if info.MinArgs == info.MaxArgs {
		return fmt.Sprintf("%d argument(s)", info.MinArgs)
	}
	return fmt.Sprintf("%d to %d arguments", info.MinArgs, info.MaxArgs)
}

// Match reports whether s matches the glob pattern, where * matches any run
// of characters (':' included, as in bpftrace) and ? any one character.
func Match(pattern, s string) bool {
	// Iterative glob with single backtrack point: linear in practice.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// probeName joins a provider and args into the `probe` builtin's text.
func probeName(p lang.Provider, args ...string) string {
	if len(args) == 0 {
		return p.String()
	}
	return p.String() + ":" + strings.Join(args, ":")
}
