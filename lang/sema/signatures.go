package sema

import (
	"github.com/gtrace/gtrace/lang"
)

// ArgKind is what a function accepts at one argument position.
type ArgKind uint8

const (
	ArgAny        ArgKind = iota // any value; the rule checks it
	ArgInt                       // an integer (or bool)
	ArgIntPtr                    // an integer or a pointer
	ArgStr                       // a string value
	ArgStrLit                    // a string literal (or a string positional parameter)
	ArgIntLit                    // an integer constant
	ArgMap                       // a map, not indexed by a key
	ArgMapKey                    // a map, optionally indexed (delete's first argument)
	ArgIdent                     // an identifier used as a keyword (stack mode) or an integer
	ArgMapOrValue                // a whole map (print, len) or any other value
)

// FuncKind classifies a function for code generation and checking.
type FuncKind uint8

const (
	Sync      FuncKind = iota // computed in BPF
	Async                     // sends an event; the work happens in user space
	Aggregate                 // an aggregation: only a map's value
	Compile                   // folded at compile time
	MapOp                     // acts on a whole map (delete, clear, zero, len, has_key)
)

// FuncSpec describes one callable name.
type FuncSpec struct {
	Name     string
	Min, Max int       // argument count; Max < 0: variadic
	Args     []ArgKind // kinds by position; positions past the end are ArgAny
	Kind     FuncKind
	// Stmt is set for functions that yield no value and must be used as a
	// statement.
	Stmt bool
	// Unsafe functions need Options.Unsafe (--unsafe).
	Unsafe bool
	// Providers lists the probe types where the function works; nil: all.
	Providers []lang.Provider
	// Limit says why the kernel refuses the function elsewhere: the hint
	// of the error for a probe type outside Providers.
	Limit string
	// Format: the first argument is a printf format for the others.
	Format bool
	// Only, when set, is bpftrace 0.17's own message for a probe type
	// outside Providers (override, path), said once per probe.
	Only string
	// Since is the first bpftrace version with the function.
	Since string
	// rule checks what the table cannot say and returns the result type.
	rule func(c *checker, call *lang.Call, args []*lang.Type) *lang.Type
}

// Funcs is the registry of functions, by name.
var Funcs = map[string]*FuncSpec{}

func ret(t *lang.Type) func(*checker, *lang.Call, []*lang.Type) *lang.Type {
	return func(*checker, *lang.Call, []*lang.Type) *lang.Type { return t }
}

var (
	signalProviders = []lang.Provider{lang.Kprobe, lang.Kretprobe, lang.Uprobe, lang.Uretprobe,
		lang.USDT, lang.Tracepoint, lang.RawTracepoint, lang.Profile, lang.Interval, lang.Software,
		lang.Hardware, lang.Fentry, lang.Fexit}
	uaddrProviders = []lang.Provider{lang.Uprobe, lang.Uretprobe, lang.USDT}
	btfProviders   = []lang.Provider{lang.Fentry, lang.Fexit, lang.Iter}
)

func init() {
	for _, f := range []*FuncSpec{
		// Output and actions.
		{Name: "printf", Min: 1, Max: 128, Args: []ArgKind{ArgStrLit}, Format: true, Kind: Async, Stmt: true, rule: ruleFormat},
		{Name: "system", Min: 1, Max: 128, Args: []ArgKind{ArgStrLit}, Format: true, Kind: Async, Stmt: true, Unsafe: true, rule: ruleFormat},
		{Name: "cat", Min: 1, Max: 128, Args: []ArgKind{ArgStrLit}, Format: true, Kind: Async, Stmt: true, rule: ruleFormat},
		{Name: "debugf", Min: 1, Max: 4, Args: []ArgKind{ArgStrLit}, Format: true, Kind: Sync, Stmt: true, Since: "0.16", rule: ruleDebugf},
		{Name: "errorf", Min: 1, Max: 128, Args: []ArgKind{ArgStrLit}, Format: true, Kind: Async, Stmt: true, Since: "0.24", rule: ruleFormat},
		{Name: "warnf", Min: 1, Max: 128, Args: []ArgKind{ArgStrLit}, Format: true, Kind: Async, Stmt: true, Since: "0.25", rule: ruleFormat},
		{Name: "print", Min: 1, Max: 3, Args: []ArgKind{ArgMapOrValue, ArgIntLit, ArgIntLit}, Kind: Async, Stmt: true, rule: rulePrint},
		{Name: "time", Min: 0, Max: 1, Args: []ArgKind{ArgStrLit}, Kind: Async, Stmt: true, rule: ruleTime},
		{Name: "join", Min: 1, Max: 2, Args: []ArgKind{ArgIntPtr, ArgStrLit}, Kind: Async, Stmt: true, rule: ret(lang.None)},
		{Name: "exit", Min: 0, Max: 1, Args: []ArgKind{ArgInt}, Kind: Async, Stmt: true, rule: ret(lang.None)},
		{Name: "unwatch", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Async, Stmt: true, Since: "0.12", rule: ret(lang.None)},
		{Name: "signal", Min: 1, Max: 1, Kind: Sync, Stmt: true, Unsafe: true, Providers: signalProviders, rule: ruleSignal},
		{Name: "override", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Sync, Stmt: true, Unsafe: true, Providers: []lang.Provider{lang.Kprobe}, Only: "override can only be used with kprobes.", rule: ret(lang.None)},

		// Values.
		{Name: "str", Min: 1, Max: 2, Args: []ArgKind{ArgAny, ArgInt}, rule: ruleStr},
		{Name: "buf", Min: 1, Max: 2, Args: []ArgKind{ArgAny, ArgInt}, Since: "0.11", rule: ruleBuf},
		{Name: "ksym", Min: 1, Max: 1, Kind: Async, rule: ruleSym(lang.KindKsym)},
		{Name: "usym", Min: 1, Max: 1, Kind: Async, rule: ruleSym(lang.KindUsym)},
		{Name: "kaddr", Min: 1, Max: 1, Args: []ArgKind{ArgStrLit}, Kind: Compile, rule: ret(lang.Uint64)},
		{Name: "uaddr", Min: 1, Max: 1, Args: []ArgKind{ArgStrLit}, Kind: Compile, Providers: uaddrProviders, rule: ret(lang.InUser(lang.PtrTo(lang.Uint64)))}, // an address in the traced process
		{Name: "kptr", Min: 1, Max: 1, Args: []ArgKind{ArgIntPtr}, Since: "0.12", rule: ruleKptr},
		{Name: "uptr", Min: 1, Max: 1, Args: []ArgKind{ArgIntPtr}, Since: "0.12", rule: ruleUptr},
		{Name: "reg", Min: 1, Max: 1, Args: []ArgKind{ArgStrLit}, Providers: regsProviders, rule: ret(lang.Uint64)},
		{Name: "ntop", Min: 1, Max: 2, Kind: Async, rule: ruleNtop},
		{Name: "pton", Min: 1, Max: 1, Kind: Compile, Since: "0.16", rule: rulePton},
		{Name: "macaddr", Min: 1, Max: 1, Since: "0.12", rule: ruleMacaddr},
		{Name: "cgroupid", Min: 1, Max: 1, Args: []ArgKind{ArgStrLit}, Kind: Compile, rule: ret(lang.Uint64)},
		{Name: "cgroup_path", Min: 1, Max: 2, Args: []ArgKind{ArgInt, ArgStrLit}, Kind: Async, Since: "0.15", rule: ruleCgroupPath},
		{Name: "strftime", Min: 2, Max: 2, Args: []ArgKind{ArgStrLit, ArgInt}, Kind: Async, Since: "0.12", rule: ret(&lang.Type{Kind: lang.KindTimestamp, Size: 16})},
		{Name: "strncmp", Min: 3, Max: 3, Args: []ArgKind{ArgStr, ArgStr, ArgIntLit}, rule: ruleStrncmp},
		{Name: "strcontains", Min: 2, Max: 2, Args: []ArgKind{ArgStr, ArgStr}, Since: "0.17", rule: ret(lang.Uint64)},
		{Name: "strerror", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Async, Since: "0.16", rule: ret(&lang.Type{Kind: lang.KindStrerror, Size: 8})},
		{Name: "path", Min: 1, Max: 2, Args: []ArgKind{ArgAny, ArgIntLit}, Providers: btfProviders, Only: "The path function can only be used with 'kfunc', 'kretfunc', 'iter' probes", Limit: "path() is the bpf_d_path helper (5.10+), which the kernel allows only in fentry/fexit, LSM and iter programs, and for fentry/fexit only on an allowlist of functions (vfs_getattr, filp_close, dentry_open, security_file_open, ...)", Since: "0.12", rule: rulePath},
		{Name: "bswap", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Since: "0.15", rule: ruleBswap},
		{Name: "skboutput", Min: 4, Max: 4, Args: []ArgKind{ArgStrLit, ArgIntPtr, ArgInt, ArgInt}, Providers: []lang.Provider{lang.Fentry, lang.Fexit}, Since: "0.16", rule: ret(lang.Uint32)},
		{Name: "kstack", Min: 0, Max: 2, Args: []ArgKind{ArgIdent, ArgIntLit}, rule: ruleStack(lang.KindKStack)},
		{Name: "ustack", Min: 0, Max: 2, Args: []ArgKind{ArgIdent, ArgIntLit}, rule: ruleStack(lang.KindUStack)},
		{Name: "percpu_kaddr", Min: 1, Max: 2, Args: []ArgKind{ArgStrLit, ArgInt}, Since: "0.22", rule: ret(lang.Uint64)},
		{Name: "socket_cookie", Min: 1, Max: 1, Args: []ArgKind{ArgIntPtr}, Providers: []lang.Provider{lang.Fentry, lang.Fexit}, Limit: "socket_cookie() is the kernel's bpf_get_socket_cookie on a BTF struct sock pointer, which it allows only in tracing programs", Since: "0.24", rule: ruleSocketCookie},
		{Name: "strlen", Min: 1, Max: 1, Args: []ArgKind{ArgStr}, Since: "0.25", rule: ret(lang.Uint64)},
		{Name: "getopt", Min: 1, Max: 3, Args: []ArgKind{ArgStrLit, ArgAny, ArgStrLit}, Kind: Compile, Since: "0.24", rule: ruleGetopt},
		{Name: "syscall_name", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Since: "0.25", rule: ret(lang.StrType(nameStrlen))},
		{Name: "signal_name", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Since: "0.26", rule: ret(lang.StrType(nameStrlen))},

		// Map functions.
		{Name: "delete", Min: 1, Max: 2, Args: []ArgKind{ArgMapKey}, Kind: MapOp, rule: ruleDelete},
		{Name: "clear", Min: 1, Max: 1, Args: []ArgKind{ArgMap}, Kind: MapOp, Stmt: true, rule: ret(lang.None)},
		{Name: "zero", Min: 1, Max: 1, Args: []ArgKind{ArgMap}, Kind: MapOp, Stmt: true, rule: ret(lang.None)},
		{Name: "len", Min: 1, Max: 1, Args: []ArgKind{ArgMapOrValue}, Kind: MapOp, Since: "0.20", rule: ruleLen},
		{Name: "has_key", Min: 2, Max: 2, Args: []ArgKind{ArgMap}, Kind: MapOp, Since: "0.22", rule: ruleHasKey},

		// Aggregations.
		{Name: "count", Min: 0, Max: 0, Kind: Aggregate, rule: ruleAgg(lang.KindCount)},
		{Name: "sum", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Aggregate, rule: ruleAgg(lang.KindSum)},
		{Name: "avg", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Aggregate, rule: ruleAgg(lang.KindAvg)},
		{Name: "min", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Aggregate, rule: ruleAgg(lang.KindMin)},
		{Name: "max", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Aggregate, rule: ruleAgg(lang.KindMax)},
		{Name: "stats", Min: 1, Max: 1, Args: []ArgKind{ArgInt}, Kind: Aggregate, rule: ruleAgg(lang.KindStats)},
		{Name: "hist", Min: 1, Max: 2, Args: []ArgKind{ArgInt, ArgIntLit}, Kind: Aggregate, rule: ruleHist},
		{Name: "lhist", Min: 4, Max: 4, Args: []ArgKind{ArgInt, ArgIntLit, ArgIntLit, ArgIntLit}, Kind: Aggregate, rule: ruleLhist},
	} {
		Funcs[f.Name] = f
	}
}

// nameStrlen is the size of the strings syscall_name and signal_name
// return (bpftrace's stdlib tables hold char[64] names).
const nameStrlen = 64

func funcNames() []string {
	out := make([]string, 0, len(Funcs))
	for n := range Funcs {
		out = append(out, n)
	}
	return out
}

// HasRule reports whether the entry has a checker rule (tests prove every
// registry entry does).
func (f *FuncSpec) HasRule() bool { return f.rule != nil }
