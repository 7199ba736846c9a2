package codegen

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/probes"
)

// Options configure code generation.
type Options struct {
	// Source is the script text, for the source comments of -d asm.
	Source lang.Source
	// Params are the positional parameters $1..$N (string ones are
	// written as literals).
	Params []string
	// MaxMapKeys is the size of maps without a declaration
	// (BPFTRACE_MAP_KEYS_MAX, config max_map_keys); 0: 4096.
	MaxMapKeys uint32
	// Env supplies the args record of each tracepoint target; nil uses the
	// record the checker saw (right when all targets share one layout).
	Env sema.Env
	// Kaddr resolves kaddr("sym") from /proc/kallsyms; nil makes kaddr an
	// error.
	Kaddr func(name string) (uint64, bool)
	// KaddrHidden, when set, says why no kernel symbol has an address
	// (symbols.HiddenHint, "" when they have one): kaddr's error gives it
	// instead of guessing. A function, called only when kaddr fails, so
	// that a script without kaddr never reads /proc/kallsyms.
	KaddrHidden func() string
	// Uaddr resolves uaddr("sym") in a uprobe's binary (the symbol's ELF
	// address, as bpftrace); nil makes uaddr an error.
	Uaddr func(path, name string) (uint64, error)
	// CgroupID resolves cgroupid("path") when compiling, as bpftrace
	// does; nil uses probes.CgroupID (the directory's file handle).
	CgroupID func(path string) (uint64, error)
	// NumCPU is the number of possible CPUs: the value of ncpus and the
	// bound of the loop that sums a per-CPU aggregation read in an
	// expression; 0 means 64.
	NumCPU int
	// RingBytes is the size of the events ring buffer (a power of two
	// multiple of the page size); 0 means 1 MiB.
	RingBytes uint32
	// Cookies makes programs that serve several targets read `probe` from
	// the BPF cookie (5.15+). Without it every target gets its own program
	// when the clause uses `probe`.
	Cookies bool
	// RawSyscalls, when set, serves the syscalls:sys_enter_*/sys_exit_*
	// targets of a clause from one program per direction on the
	// raw_syscalls tracepoints (syscalls.go); nil attaches each as a
	// perf tracepoint.
	RawSyscalls *probes.SyscallABI
	// ChildPID is the pid of the -c command, the value of the cpid
	// builtin (a constant: the runner starts the command suspended before
	// generating code, builtins_proc.go emits it); 0 without -c.
	ChildPID uint32
	// HelperErrors is -k (HelperErrorsUsual) or -kk (HelperErrorsAll):
	// the generated code reports failed helper calls (helper_errors.go).
	HelperErrors int
}

// Compile generates the programs of p. targets holds, per clause, the
// concrete targets its attach points expanded to (BEGIN/END may be given
// none). It returns an error for constructs it cannot compile yet; it never
// panics on a program that checked.
func Compile(p *lang.Program, info *sema.Info, targets [][]probes.Target, opts Options) (prog *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			if ce, ok := r.(*compileError); ok {
				prog, err = nil, ce
				return
			}
			// A gtrace bug: report it rather than crash the caller (a
			// checked program must never panic code generation).
			prog, err = nil, fmt.Errorf("codegen: internal error (a gtrace bug): %v", r)
		}
	}()
	c := newCompiler(p, info, opts)
	c.defineMaps()
	for i, pr := range p.Probes {
		var ts []probes.Target
		if i < len(targets) {
			ts = targets[i]
		}
		if err := c.clause(i, pr, ts); err != nil {
			return nil, err
		}
	}
	c.finishSpec()
	return c.out, nil
}

// compileError is a user-facing error raised deep in code generation (an
// unsupported construct); Compile recovers it.
type compileError struct {
	Span lang.Span
	Msg  string
	// cause is ErrUnsupported when the message reports it.
	cause error
}

func (e *compileError) Error() string {
	if e.Span.Start.IsValid() {
		return fmt.Sprintf("%s: %s", e.Span.Start, e.Msg)
	}
	return e.Msg
}

// Unwrap gives the error as a diagnostic when it has a place in the
// script, so that the command line renders it with the source line, and
// ErrUnsupported when that is the cause.
func (e *compileError) Unwrap() []error {
	var out []error
	if e.Span.Start.IsValid() {
		out = append(out, &lang.Diagnostic{Span: e.Span, Msg: e.Msg})
	}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

// fail aborts compilation with a user-facing error at node n. An
// ErrUnsupported among args stays visible to errors.Is.
func fail(n lang.Node, format string, args ...any) {
	var s lang.Span
	if n != nil {
		s = n.SpanOf()
	}
	ce := &compileError{Span: s, Msg: fmt.Sprintf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok && errors.Is(err, ErrUnsupported) {
			ce.cause = ErrUnsupported
		}
	}
	panic(ce)
}

// ErrUnsupported is wrapped by errors for constructs codegen cannot
// compile yet.
var ErrUnsupported = errors.New("not supported by gtrace yet")

type compiler struct {
	prog *lang.Program
	info *sema.Info
	opts Options
	out  *Program

	probeIndex map[string]int     // probe name → index in out.ProbeNames
	timeIDs    map[*lang.Call]int // strftime() call → index in out.TimeFormats
	needZero   int                // size of the largest value inserted from ZeroMap
	scratch    int                // size of a ScratchMap entry, 0 when unused
	bigStack   int                // size of a BigMap entry, 0 when unused
	nprogs     int                // programs generated so far
	lines      []string           // source lines, for comments
}

func newCompiler(p *lang.Program, info *sema.Info, opts Options) *compiler {
	if opts.NumCPU <= 0 {
		opts.NumCPU = 64
	}
	if opts.RingBytes == 0 {
		opts.RingBytes = 1 << 20
	}
	spec := &ebpf.CollectionSpec{
		Maps:     map[string]*ebpf.MapSpec{},
		Programs: map[string]*ebpf.ProgramSpec{},
	}
	spec.Maps[EventsMap] = &ebpf.MapSpec{Name: "events", Type: ebpf.RingBuf, MaxEntries: opts.RingBytes}
	spec.Maps[StateMap] = &ebpf.MapSpec{Name: "state", Type: ebpf.Array, KeySize: 4, ValueSize: StateSize, MaxEntries: 1}
	spec.Maps[LostMap] = &ebpf.MapSpec{Name: "lost", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	return &compiler{
		prog: p, info: info, opts: opts,
		out: &Program{
			Spec:   spec,
			Maps:   map[string]*maps.Def{},
			Stacks: map[string]*StackMap{},
		},
		probeIndex: map[string]int{},
		timeIDs:    map[*lang.Call]int{},
		lines:      strings.Split(opts.Source.Text, "\n"),
	}
}

// defineMaps creates a Def and a MapSpec for every user map with a value.
func (c *compiler) defineMaps() {
	names := make([]string, 0, len(c.info.Maps))
	for n := range c.info.Maps {
		names = append(names, n)
	}
	sort.Strings(names)
	deleted := deletedMaps(c.prog)
	for _, n := range names {
		mi := c.info.Maps[n]
		if mi.Value == nil || mi.Value.Kind == lang.KindNone {
			continue
		}
		d := maps.NewDef(n, mi.Key, mi.Arity, mi.Value, mi.Decl, maps.Options{MaxEntries: c.opts.MaxMapKeys, Deleted: deleted[n],
			Hashed: c.opts.HelperErrors >= HelperErrorsAll, NumCPU: c.opts.NumCPU})
		lost := c.out.Spec.Maps[LostMap]
		d.LostBase = lost.MaxEntries
		lost.MaxEntries += LostCauses
		c.out.Maps[n] = d
		c.out.Spec.Maps[d.SpecName()] = d.MapSpec()
	}
}

// needScratch makes ScratchMap entries at least n bytes.
func (c *compiler) needScratch(n int) { c.scratch = max(c.scratch, maps.Round8(n)) }

func (c *compiler) finishSpec() {
	if c.bigStack > 0 {
		c.out.Spec.Maps[BigMap] = &ebpf.MapSpec{Name: "bigstack", Type: ebpf.PerCPUArray, KeySize: 4,
			ValueSize: uint32(c.bigStack), MaxEntries: uint32(max(c.nprogs, 1))}
	}
	if c.scratch > 0 {
		c.out.Spec.Maps[ScratchMap] = &ebpf.MapSpec{Name: "scratch", Type: ebpf.PerCPUArray, KeySize: 4,
			ValueSize: uint32(c.scratch), MaxEntries: uint32(max(c.nprogs, 1))}
	}
	if c.needZero > 0 {
		c.out.Spec.Maps[ZeroMap] = &ebpf.MapSpec{Name: "zero", Type: ebpf.Array, KeySize: 4,
			ValueSize: uint32(maps.Round8(c.needZero)), MaxEntries: 1}
	}
}

// probeID returns the `probe` value of a probe name.
func (c *compiler) probeID(name string) int {
	if i, ok := c.probeIndex[name]; ok {
		return i
	}
	i := len(c.out.ProbeNames)
	c.out.ProbeNames = append(c.out.ProbeNames, name)
	c.probeIndex[name] = i
	return i
}

// group is a set of targets of one clause served by one program.
type group struct {
	// sys is set when the targets are served from raw_syscalls (syscalls.go).
	sys *sysGroup

	provider lang.Provider
	targets  []probes.Target
	args     *lang.Type  // args record in the context (tracepoint, fentry, raw tracepoint), nil when unused
	proto    *lang.Proto // BTF signature of fentry/fexit/raw tracepoint targets (fentry.go), nil when unused
}

// clause compiles one probe clause into one program per target group.
func (c *compiler) clause(i int, pr *lang.Probe, targets []probes.Target) error {
	pi := c.info.Probes[i]
	if len(targets) == 0 {
		for _, ap := range pr.Attach {
			if ap.Provider == lang.Begin || ap.Provider == lang.End {
				targets = append(targets, probes.Target{Provider: ap.Provider, Name: ap.Provider.String(), From: ap})
			}
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("%s: no targets for probe clause %d", pr.Start, i)
	}
	groups, err := c.groups(pi, targets)
	if err != nil {
		return err
	}
	for gi, grp := range groups {
		name := fmt.Sprintf("p%d_%d", i, gi)
		ps, err := c.generate(i, pi, grp, name)
		if err != nil {
			return err
		}
		grp.sys.spec(c, ps, name)
		c.out.Spec.Programs[name] = ps
		p := &Probe{Program: name, Clause: i, Provider: grp.provider, Targets: grp.targets, RawSyscalls: grp.sys.tracepoint()}
		for _, t := range grp.targets {
			p.Cookies = append(p.Cookies, uint64(c.probeID(t.Name)))
		}
		c.out.Probes = append(c.out.Probes, p)
	}
	return nil
}

// usesArgN reports whether a clause reads arg0..argN.
func usesArgN(pi *sema.ProbeInfo) bool {
	for name := range pi.Builtins {
		if len(name) > 3 && name[:3] == "arg" && name[3] >= '0' && name[3] <= '9' {
			return true
		}
	}
	return false
}

// groups splits targets into sets that can share one program: same
// provider, same args layout when args is used, and one target per program
// when `probe` is used without cookies.
func (c *compiler) groups(pi *sema.ProbeInfo, targets []probes.Target) ([]*group, error) {
	usesArgs := pi.Builtins["args"]
	perTarget := pi.Builtins["probe"] && !c.opts.Cookies
	var out []*group
	byKey := map[string]*group{}
	sys := c.syscallClause(pi, targets)
	for _, t := range targets {
		if ok, err := sys.add(t); err != nil {
			return nil, err
		} else if ok {
			continue
		}
		var args *lang.Type
		var proto *lang.Proto
		key := t.Provider.String()
		if usesArgs && t.Provider == lang.Tracepoint {
			a, err := c.tracepointArgs(pi, t)
			if err != nil {
				return nil, err
			}
			args = a
			key += "|" + recordKey(a)
		}
		if t.Provider == lang.USDT && usesArgN(pi) {
			// Sites of one probe may pass an argument differently (a
			// global at its own distance from each): one program per
			// way of passing them.
			key += "|" + fmt.Sprint(t.USDTArgs)
		}
		if (usesArgs || pi.Builtins["retval"]) && protoProvider(t.Provider) {
			p, err := c.protoOf(pi, t)
			if err != nil {
				return nil, err
			}
			proto, args = p, p.Args
			key += "|" + recordKey(p.Args)
		}
		// fentry/fexit programs are bound to their function at load;
		// raw tracepoint links take no cookie (cilium/ebpf v0.22).
		if perTarget || t.Provider == lang.Begin || t.Provider == lang.End ||
			t.Provider == lang.Fentry || t.Provider == lang.Fexit ||
			t.Provider == lang.RawTracepoint && pi.Builtins["probe"] {
			key += "|" + t.Name
		}
		g := byKey[key]
		if g == nil {
			g = &group{provider: t.Provider, args: args, proto: proto}
			byKey[key] = g
			out = append(out, g)
		}
		g.targets = append(g.targets, t)
	}
	return append(out, sys.groups()...), nil
}

// tracepointArgs returns the args record of a tracepoint target.
func (c *compiler) tracepointArgs(pi *sema.ProbeInfo, t probes.Target) (*lang.Type, error) {
	if c.opts.Env != nil {
		rec, err := c.opts.Env.TracepointArgs(t.Category, t.Event)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		if rec != nil {
			return rec, nil
		}
	}
	// Fall back to the record the checker typed `args` with.
	for e, ty := range c.info.Types {
		if b, ok := e.(*lang.Builtin); ok && b.Name == "args" && ty.IsPtr() && ty.Elem.Kind == lang.KindRecord &&
			b.Start.Offset >= pi.Probe.Start.Offset && b.End.Offset <= pi.Probe.End.Offset {
			return ty.Elem, nil
		}
	}
	return nil, fmt.Errorf("%s: no format for the tracepoint's args", t.Name)
}

// recordKey identifies a record layout: field names, offsets and types.
func recordKey(t *lang.Type) string {
	var b strings.Builder
	for _, f := range t.Fields {
		fmt.Fprintf(&b, "%s@%d:%s:%v;", f.Name, f.Offset, f.Type, f.DataLoc)
	}
	return b.String()
}

// programType is the BPF program type of a provider.
func programType(p lang.Provider) (ebpf.ProgramType, error) {
	switch p {
	case lang.Begin, lang.End, lang.RawTracepoint:
		return ebpf.RawTracepoint, nil
	case lang.Tracepoint:
		return ebpf.TracePoint, nil
	case lang.Profile, lang.Interval, lang.Software, lang.Hardware, lang.Watchpoint, lang.AsyncWatchpoint:
		return ebpf.PerfEvent, nil
	case lang.Kprobe, lang.Kretprobe, lang.Uprobe, lang.Uretprobe, lang.USDT:
		return ebpf.Kprobe, nil
	case lang.Fentry, lang.Fexit:
		return ebpf.Tracing, nil // 5.5+
	}
	return ebpf.UnspecifiedProgram, fmt.Errorf("%s probes: %w", p, ErrUnsupported)
}

// generate emits the program of one group.
// A program whose temporaries do not fit the stack is generated again in
// big mode: large values move to its BigMap entry.
func (c *compiler) generate(clause int, pi *sema.ProbeInfo, grp *group, name string) (*ebpf.ProgramSpec, error) {
	idx, nact := c.nprogs, len(c.out.Actions)
	c.nprogs++
	ps, err := c.generateMode(pi, grp, idx, false)
	if errors.Is(err, errStack) {
		c.out.Actions = c.out.Actions[:nact]
		ps, err = c.generateMode(pi, grp, idx, true)
	}
	var se *stackError
	if errors.As(err, &se) {
		// Even big mode does not fit: a script error at the clause's
		// attach points, as bpftrace's, not a failure of gtrace.
		span := pi.Probe.Span
		if len(pi.Probe.Attach) > 0 {
			span = pi.Probe.Attach[0].Span
		}
		return nil, &compileError{Span: span, Msg: se.Error()}
	}
	return ps, err
}

// stackError is the error of a program that needs more stack than the
// kernel gives; it wraps errStack.
type stackError struct {
	need  int
	where string // "BPF stack", or the per-CPU scratch value of big mode
	limit int
}

func (e *stackError) Error() string {
	return fmt.Sprintf("the probe needs %d bytes of %s, more than the kernel's %d: simplify its expressions or split it", e.need, e.where, e.limit)
}

// maxPerCPUValue is the largest value a per-CPU map can hold (the
// kernel's PCPU_MIN_UNIT_SIZE): the bound of big mode's scratch space.
const maxPerCPUValue = 32 << 10

func (e *stackError) Unwrap() error { return errStack }

// errStack is wrapped by the error of a program that needs more stack
// than the kernel gives.
var errStack = errors.New("too much BPF stack")

func (c *compiler) generateMode(pi *sema.ProbeInfo, grp *group, idx int, big bool) (*ebpf.ProgramSpec, error) {
	typ, err := programType(grp.provider)
	if err != nil {
		return nil, err
	}
	g := &gen{
		c: c, b: newBuilder(), pi: pi, grp: grp,
		pool:      []asm.Register{asm.R9, asm.R8, asm.R7},
		vars:      map[string]loc{},
		progIndex: idx,
		big:       big,
	}
	if big {
		g.pool = []asm.Register{asm.R8, asm.R7}
	}
	g.exit = g.b.label("exit")
	g.prologue()
	pr := pi.Probe
	if pr.Pred != nil {
		g.setSource(pr.Pred, "/"+c.text(pr.Pred.SpanOf())+"/")
		g.condJump(pr.Pred, false, g.exit)
	}
	if pr.Body != nil {
		g.block(pr.Body)
	}
	g.b.mark(g.exit)
	g.b.span = lang.Span{}
	g.b.emit(asm.Mov.Imm(asm.R0, 0), asm.Return())
	if need := callbackFrame(g.f, g.calleePeak); g.f.peak > stackLimit || need > stackLimit {
		return nil, &stackError{need: max(need, g.f.peak), where: "BPF stack", limit: stackLimit}
	}
	if big && g.bf.peak > maxPerCPUValue {
		return nil, &stackError{need: g.bf.peak, where: "per-CPU scratch memory for its large values", limit: maxPerCPUValue}
	}
	if big {
		c.bigStack = max(c.bigStack, maps.Round8(max(g.bf.peak, 8)))
	}
	kname := grp.provider.String()
	if len(grp.targets) == 1 && grp.targets[0].Event != "" {
		kname = grp.targets[0].Event
	}
	ps := &ebpf.ProgramSpec{
		Name:         sanitizeName(kname),
		Type:         typ,
		License:      "GPL",
		Instructions: g.b.finish(),
	}
	attachSpec(ps, grp)
	return ps, nil
}

// sanitizeName makes a kernel object name: at most 15 characters of
// [A-Za-z0-9_].
func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 15 {
			break
		}
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// text returns the source text of a span (first line only).
func (c *compiler) text(s lang.Span) string {
	src := c.opts.Source.Text
	if !s.Start.IsValid() || s.Start.Offset >= len(src) || s.End.Offset > len(src) || s.End.Offset < s.Start.Offset {
		return ""
	}
	t := src[s.Start.Offset:s.End.Offset]
	if i := strings.IndexByte(t, '\n'); i >= 0 {
		t = t[:i] + " ..."
	}
	return strings.TrimSpace(t)
}

// params returns the positional parameters.
func (c *compiler) params() []string { return c.opts.Params }
