package sema

import (
	"github.com/gtrace/gtrace/lang"
)

// DefaultMaxStrlen is bpftrace's BPFTRACE_STRLEN default in 0.17: the size
// of a str() result.
const DefaultMaxStrlen = 64

// Options configure checking.
type Options struct {
	// Params are the positional parameters $1..$N.
	Params []string
	// Env supplies kernel facts; nil means NoKernel.
	Env Env
	// Unsafe allows system(), signal(), override().
	Unsafe bool
	// MaxStrlen is the size of str() results; 0 means DefaultMaxStrlen.
	MaxStrlen int
	// StackMode is the mode of kstack/ustack when the script names none
	// (BPFTRACE_STACK_MODE); "" takes the config block's stack_mode, else
	// "bpftrace".
	StackMode string
	// HasChild tells whether a -c command runs, which makes cpid valid.
	HasChild bool
}

// Info is everything checking learned about a program.
type Info struct {
	// Types holds the type of every checked expression.
	Types map[lang.Expr]*lang.Type
	// Consts holds folded integer constants: literals, numeric positional
	// parameters, $#, sizeof, offsetof, enumerators and constant arithmetic.
	Consts map[lang.Expr]int64
	// Maps holds every map by name ("" for @).
	Maps map[string]*MapInfo
	// Probes holds per-clause facts, in the order of Program.Probes.
	Probes []*ProbeInfo
	// Formats holds the parsed format of every printf/system/cat/debugf/
	// errorf/warnf/time call.
	Formats map[*lang.Call][]lang.FormatSegment
	// Structs holds the script's struct and union definitions as record
	// types, by name ("struct foo").
	Structs map[string]*lang.Type
	// TypeExprs holds the resolved type of every cast, sizeof, offsetof and
	// let type.
	TypeExprs map[*lang.TypeExpr]*lang.Type
	// Config holds the validated config block, by canonical key.
	Config map[string]lang.Expr
	// Fields holds the member each struct field access resolved to (its
	// offset, bitfield and type), records known only by name included;
	// the last match for args of a tracepoint wildcard.
	Fields map[*lang.Field]*lang.Member
	// ParamTexts holds the text `$N + k` stands for inside str(): the
	// parameter's text from byte k (bpftrace 0.17 reads str() of a
	// parameter from a copy of its text, so str($1 + 1) of "hello" is
	// "ello").
	ParamTexts map[lang.Expr]string
}

// MapInfo describes one map.
type MapInfo struct {
	Name string
	// Key is nil for a scalar map, the key's type for one key and a tuple
	// type for several keys (Arity > 1).
	Key   *lang.Type
	Arity int
	// Value is the value type: an integer, string, tuple, ... or an
	// aggregation kind (count, hist, lhist with its bounds, ...).
	Value *lang.Type
	// Decl is the `let @m = hash(N)` declaration, if any.
	Decl *lang.MapDecl
	// Uses lists every reference to the map in source order.
	Uses []*lang.Map

	shaped   bool // the key shape is fixed (by the first keyed or scalar use)
	assigned bool // some statement stores into the map (even an invalid one)
}

// ProbeInfo holds facts about one probe clause.
type ProbeInfo struct {
	Probe *lang.Probe
	// Providers lists the distinct providers of the attach points.
	Providers []lang.Provider
	// Tracepoints holds, per attach point, the "category:event" names a
	// tracepoint attach point expands to (nil for other providers).
	Tracepoints [][]string
	// Builtins is the set of builtin names the clause uses.
	Builtins map[string]bool
	// Vars holds the type of every scratch variable, by name.
	Vars map[string]*lang.Type
}

// Check type-checks p. It returns the Info (partially filled when there are
// errors) and the diagnostics, sorted by position.
func Check(p *lang.Program, opts Options) (*Info, lang.ErrorList) {
	if opts.Env == nil {
		opts.Env = NoKernel
	}
	if opts.MaxStrlen <= 0 {
		opts.MaxStrlen = DefaultMaxStrlen
	}
	// Pass 1 learns map types from every use; its diagnostics are dropped
	// because pass 2 repeats every check with the final map types.
	c1 := newChecker(p, opts, nil)
	c1.run()
	c2 := newChecker(p, opts, c1.info.Maps)
	c2.run()
	c2.errs.Sort()
	return c2.info, c2.errs
}

// checker is the state of one pass.
type checker struct {
	prog  *lang.Program
	opts  Options
	info  *Info
	errs  lang.ErrorList
	known map[string]*MapInfo // map types learned by pass 1 (nil in pass 1)
	final bool

	enums map[string]int64 // script enumerators

	// Per clause.
	probe     *ProbeInfo
	tpArgs    []*lang.Type  // args record per expanded tracepoint of the clause
	protos    *clauseProtos // BTF signatures of the clause (protos.go), resolved lazily
	loops     int           // depth of while/for/unroll nesting
	inStr     *lang.Call    // the str() call whose arguments are being checked
	formatArg *lang.Map     // a map given directly to a printf-style call (checkArg)
	mapRefs   map[lang.Expr]bool
}

func newChecker(p *lang.Program, opts Options, known map[string]*MapInfo) *checker {
	c := &checker{
		prog: p,
		opts: opts,
		info: &Info{
			Types:     map[lang.Expr]*lang.Type{},
			Consts:    map[lang.Expr]int64{},
			Maps:      map[string]*MapInfo{},
			Formats:   map[*lang.Call][]lang.FormatSegment{},
			Structs:   map[string]*lang.Type{},
			TypeExprs: map[*lang.TypeExpr]*lang.Type{},
			Config:    map[string]lang.Expr{},
			Fields:    map[*lang.Field]*lang.Member{},

			ParamTexts: map[lang.Expr]string{},
		},
		known:   known,
		final:   known != nil,
		enums:   map[string]int64{},
		mapRefs: map[lang.Expr]bool{},
	}
	return c
}

func (c *checker) errorf(n lang.Node, format string, args ...any) *lang.Diagnostic {
	return c.errorAt(n.SpanOf(), format, args...)
}

func (c *checker) errorAt(s lang.Span, format string, args ...any) *lang.Diagnostic {
	d := lang.ErrorAt(s, format, args...)
	if c.final {
		c.errs.Add(d)
	}
	return d
}

func (c *checker) warnf(n lang.Node, format string, args ...any) {
	d := lang.ErrorAt(n.SpanOf(), format, args...)
	d.Severity = lang.Warning
	if c.final {
		c.errs.Add(d)
	}
}

func (c *checker) run() {
	p := c.prog
	if p == nil {
		return
	}
	c.checkCDefs(p.CDefs)
	if p.Config != nil {
		c.checkConfig(p.Config)
	}
	for _, d := range p.MapDecls {
		c.checkMapDecl(d)
	}
	for _, pr := range p.Probes {
		c.checkProbe(pr)
	}
	if c.final {
		c.checkUndefinedMaps()
	}
}

// setType records t as the type of e and returns it.
func (c *checker) setType(e lang.Expr, t *lang.Type) *lang.Type {
	if t == nil {
		t = lang.None
	}
	c.info.Types[e] = t
	return t
}

// constOf returns the folded constant of an already checked expression.
func (c *checker) constOf(e lang.Expr) (int64, bool) {
	v, ok := c.info.Consts[e]
	return v, ok
}
