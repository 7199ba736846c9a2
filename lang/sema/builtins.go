package sema

import (
	"fmt"
	"slices"

	"github.com/gtrace/gtrace/lang"
)

// Type choices. gtrace follows current bpftrace, not 0.17 (which widened
// every numeric builtin to uint64): pid, tid, ppid, cpu, numaid, rand and cpid
// are uint32, usermode uint8, the rest uint64. Map values and keys widen to 8
// bytes anyway, so printed output is the same.
var (
	commType = lang.StrType(16)
	stackDef = 127 // default stack depth, bpftrace's DEFAULT_STACK_SIZE
	stackMax = 1024
)

// BuiltinSpec describes one builtin variable.
type BuiltinSpec struct {
	Name string
	// Providers lists the probe types where the builtin is valid; nil means
	// every probe type.
	Providers []lang.Provider
	// Since is the first bpftrace version with the builtin.
	Since string
	// typ types a use of the builtin in the current clause.
	typ func(c *checker, b *lang.Builtin) *lang.Type
	// reject renders the diagnostic for a use under a provider that is not
	// in Providers.
	reject func(name string, p lang.Provider) string
}

func fixed(t *lang.Type) func(*checker, *lang.Builtin) *lang.Type {
	return func(*checker, *lang.Builtin) *lang.Type { return t }
}

var (
	argProviders  = []lang.Provider{lang.Kprobe, lang.Uprobe, lang.USDT, lang.RawTracepoint}
	sargProviders = []lang.Provider{lang.Kprobe, lang.Uprobe}
	funcProviders = []lang.Provider{lang.Kprobe, lang.Kretprobe, lang.Uprobe, lang.Uretprobe, lang.Fentry, lang.Fexit}
	retProviders  = []lang.Provider{lang.Kretprobe, lang.Uretprobe, lang.Fexit}
	argsProviders = []lang.Provider{lang.Tracepoint, lang.Fentry, lang.Fexit, lang.Uprobe, lang.RawTracepoint}
	regsProviders = []lang.Provider{lang.Kprobe, lang.Kretprobe, lang.Uprobe, lang.Uretprobe, lang.USDT}
)

// Builtins is the registry of builtin variables, by name.
var Builtins = map[string]*BuiltinSpec{}

func init() {
	add := func(s *BuiltinSpec) { Builtins[s.Name] = s }
	for _, n := range []string{"nsecs", "elapsed", "cgroup", "uid", "gid", "jiffies", "ncpus"} {
		add(&BuiltinSpec{Name: n, typ: fixed(lang.Uint64)})
	}
	for _, n := range []string{"pid", "tid", "cpu", "numaid", "rand"} {
		add(&BuiltinSpec{Name: n, typ: fixed(lang.Uint32)})
	}
	add(&BuiltinSpec{Name: "ppid", Since: "0.24", typ: fixed(lang.Uint32)})
	add(&BuiltinSpec{Name: "usermode", Since: "0.24", typ: fixed(lang.Uint8)})
	add(&BuiltinSpec{Name: "comm", typ: fixed(commType)})
	add(&BuiltinSpec{Name: "pcomm", Since: "0.25", typ: fixed(commType)})
	add(&BuiltinSpec{Name: "leader_comm", Since: "0.26", typ: fixed(commType)})
	add(&BuiltinSpec{Name: "leader_tid", Since: "0.26", typ: fixed(lang.Uint32)})
	add(&BuiltinSpec{Name: "probetype", Since: "0.25", typ: fixed(lang.StrType(16))})
	add(&BuiltinSpec{Name: "username", typ: fixed(&lang.Type{Kind: lang.KindUsername, Size: 8})})
	add(&BuiltinSpec{Name: "probe", typ: fixed(&lang.Type{Kind: lang.KindProbe, Size: 8})})
	add(&BuiltinSpec{Name: "kstack", typ: func(c *checker, _ *lang.Builtin) *lang.Type {
		return stackType(lang.KindKStack, c.stackMode(), stackDef)
	}})
	add(&BuiltinSpec{Name: "ustack", typ: func(c *checker, _ *lang.Builtin) *lang.Type {
		return stackType(lang.KindUStack, c.stackMode(), stackDef)
	}})
	add(&BuiltinSpec{Name: "cpid", typ: func(c *checker, b *lang.Builtin) *lang.Type {
		if !c.opts.HasChild {
			c.errorf(b, "cpid cannot be used without child command")
		}
		return lang.Uint32
	}})
	add(&BuiltinSpec{Name: "curtask", typ: func(c *checker, b *lang.Builtin) *lang.Type {
		return lang.PtrTo(c.kernelStruct("struct task_struct"))
	}})
	add(&BuiltinSpec{Name: "ctx", typ: typeCtx, reject: func(string, lang.Provider) string {
		return "Use args instead of ctx in tracepoint"
	}, Providers: []lang.Provider{lang.Begin, lang.End, lang.Kprobe, lang.Kretprobe, lang.Uprobe,
		lang.Uretprobe, lang.USDT, lang.Profile, lang.Interval, lang.Software, lang.Hardware,
		lang.Watchpoint, lang.AsyncWatchpoint, lang.Fentry, lang.Fexit, lang.Iter, lang.RawTracepoint}})
	add(&BuiltinSpec{Name: "retval", Providers: retProviders, typ: typeRetval,
		reject: func(_ string, p lang.Provider) string {
			msg := "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'kfunc' probes"
			if p == lang.Tracepoint {
				msg += " (try to use args->ret instead)"
			}
			return msg
		}})
	add(&BuiltinSpec{Name: "func", Providers: funcProviders, typ: typeFunc,
		reject: func(_ string, p lang.Provider) string {
			return fmt.Sprintf("The func builtin can not be used with '%s' probes", p)
		}})
	add(&BuiltinSpec{Name: "args", Providers: argsProviders, typ: typeArgs,
		reject: func(_ string, p lang.Provider) string {
			name := p.String()
			if p == lang.Begin || p == lang.End {
				name = "special"
			}
			return fmt.Sprintf("The args builtin can only be used with tracepoint/kfunc/uprobe probes (%s used here)", name)
		}})
	for i := 0; i <= 9; i++ {
		add(&BuiltinSpec{Name: fmt.Sprintf("arg%d", i), Providers: argProviders, typ: fixed(lang.Uint64),
			reject: func(n string, p lang.Provider) string {
				msg := fmt.Sprintf("The %s builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes", n)
				if p == lang.Tracepoint {
					msg += " (use args in tracepoints)"
				}
				return msg
			}})
		add(&BuiltinSpec{Name: fmt.Sprintf("sarg%d", i), Providers: sargProviders, typ: fixed(lang.Uint64),
			reject: func(n string, _ lang.Provider) string {
				return fmt.Sprintf("The %s builtin can only be used with 'kprobes' and 'uprobes' probes", n)
			}})
	}
}

func stackType(k lang.Kind, mode string, depth int) *lang.Type {
	return &lang.Type{Kind: k, Size: 8, StackMode: mode, StackDepth: depth}
}

// typeCtx gives ctx the context pointer type of the clause's program type.
func typeCtx(c *checker, b *lang.Builtin) *lang.Type {
	name := "struct pt_regs"
	switch c.probe.Providers[0] {
	case lang.Profile, lang.Interval, lang.Software, lang.Hardware:
		name = "struct bpf_perf_event_data"
	case lang.Iter:
		if ap := c.probe.Probe.Attach; len(ap) > 0 && len(ap[0].Args) > 0 {
			name = "struct bpf_iter__" + ap[0].Args[0]
		}
	}
	return lang.PtrTo(c.kernelStruct(name))
}

// typeRetval is uint64 for return probes; fexit's is the function's
// return type from BTF (unknown without BTF).
func typeRetval(c *checker, b *lang.Builtin) *lang.Type {
	if slices.Contains(c.probe.Providers, lang.Fexit) {
		return c.fexitRetval(b)
	}
	return lang.Uint64
}

// typeFunc is a kernel symbol in kernel probes and a user symbol in user
// probes; mixing them in one clause is rejected.
func typeFunc(c *checker, b *lang.Builtin) *lang.Type {
	user := slices.ContainsFunc(c.probe.Providers, func(p lang.Provider) bool {
		return p == lang.Uprobe || p == lang.Uretprobe
	})
	if user {
		return &lang.Type{Kind: lang.KindUsym, Size: 8}
	}
	return &lang.Type{Kind: lang.KindKsym, Size: 8}
}

// typeArgs is a pointer to the tracepoint's record, or for fentry, fexit
// and raw tracepoints to the record of the BTF signature (protos.go), for
// uprobes of the DWARF one. Without kernel facts the record is opaque.
func typeArgs(c *checker, b *lang.Builtin) *lang.Type {
	if t, ok := c.protoArgs(); ok {
		return t
	}
	if cp := c.clauseProtos(); cp != nil && cp.mixed {
		return lang.None // reported (a uprobe without DWARF)
	}
	if len(c.tpArgs) > 0 && c.tpArgs[0] != nil {
		return lang.PtrTo(c.tpArgs[0])
	}
	return lang.PtrTo(&lang.Type{Kind: lang.KindRecord, Name: opaqueArgs})
}

// unknown is the type of a value whose type only the kernel knows (a field
// of an opaque record, fexit's retval without BTF). It behaves as a 64-bit
// integer that also allows field access, indexing and dereference, so
// scripts check without a kernel; compare by identity.
var unknown = &lang.Type{Kind: lang.KindInt, Size: 8}

// opaqueArgs names the record of args whose fields are not known while
// checking; any field is accepted and typed uint64.
const opaqueArgs = "struct args"

// checkBuiltin types a builtin variable use.
func (c *checker) checkBuiltin(b *lang.Builtin) *lang.Type {
	spec := Builtins[b.Name]
	if spec == nil {
		d := c.errorf(b, "Unknown builtin variable: '%s'", b.Name)
		if h := closest(b.Name, builtinNames()); h != "" {
			d.WithHint("did you mean '%s'?", h)
		}
		return lang.None
	}
	c.probe.Builtins[b.Name] = true
	if spec.Providers != nil {
		for _, p := range c.probe.Providers {
			if !slices.Contains(spec.Providers, p) {
				c.errorf(b, "%s", spec.reject(b.Name, p))
				return lang.None
			}
		}
	}
	return spec.typ(c, b)
}

func builtinNames() []string {
	out := make([]string, 0, len(Builtins))
	for n := range Builtins {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// kernelStruct resolves a kernel struct through the Env, or returns an
// opaque record of that name when the Env does not know it.
func (c *checker) kernelStruct(name string) *lang.Type {
	if t, _ := c.opts.Env.Struct(name); t != nil {
		return t
	}
	return &lang.Type{Kind: lang.KindRecord, Name: name}
}

// HasRule reports whether the entry has a type rule.
func (b *BuiltinSpec) HasRule() bool { return b.typ != nil && (b.Providers == nil || b.reject != nil) }
