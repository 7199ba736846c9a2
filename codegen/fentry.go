package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/probes"
)

// fentry/fexit (BPF trampolines, 5.5+) and raw tracepoints share one
// context ABI: an array of u64 slots holding the arguments (and, in fexit,
// the return value after them). Their `args` is a record laid over those
// slots, typed from the BTF signature (lang.Proto); fields load straight
// from the context like tracepoint fields (tracepoint.go).

// ctxRecord reports whether a provider's `args` record lies in the
// program's context itself.
func ctxRecord(p lang.Provider) bool {
	switch p {
	case lang.Tracepoint, lang.Fentry, lang.Fexit, lang.RawTracepoint:
		return true
	case lang.Uprobe:
		return true // pt_regs: members at their registers' offsets
	}
	return false
}

// protoProvider reports whether a provider's args come from a BTF
// signature.
func protoProvider(p lang.Provider) bool {
	return p == lang.Fentry || p == lang.Fexit || p == lang.RawTracepoint || p == lang.Uprobe
}

// protoOf returns the BTF signature of a fentry, fexit or raw tracepoint
// target, from the Env, else from the record the checker typed `args`
// with (one layout for the clause: the checker requires it).
func (c *compiler) protoOf(pi *sema.ProbeInfo, t probes.Target) (*lang.Proto, error) {
	name := t.Func
	if t.Provider == lang.RawTracepoint {
		name = t.Event
	}
	module := t.Category
	if t.Provider == lang.Uprobe {
		module = t.Path
	}
	if c.opts.Env != nil {
		ps, err := c.opts.Env.Protos(t.Provider, module, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		if len(ps) == 1 {
			return ps[0], nil
		}
	}
	for e, ty := range c.info.Types {
		b, ok := e.(*lang.Builtin)
		if !ok || b.Start.Offset < pi.Probe.Start.Offset || b.End.Offset > pi.Probe.End.Offset {
			continue
		}
		if b.Name == "args" && ty.Kind == lang.KindRecord && ty.Fields != nil {
			return &lang.Proto{Name: name, Args: ty}, nil
		}
	}
	if t.Provider == lang.Uprobe {
		return nil, fmt.Errorf("%s: args: no DWARF for %s in %s (build it with -g, or use arg0..argN)", t.Name, t.Func, t.Path)
	}
	return nil, fmt.Errorf("%s: no BTF signature for the function's args and retval (kernel BTF: CONFIG_DEBUG_INFO_BTF)", t.Name)
}

// ctxSlot loads a value of type t at byte offset off of the context's
// u64 array, narrowed and extended per t (the upper bytes of a slot
// holding an int are not guaranteed to be zero).
func (g *gen) ctxSlot(off int, t *lang.Type, dst asm.Register) {
	size := maps.SizeOf(t)
	if !t.IsInt() || size <= 0 || size > 8 {
		size = 8
	}
	g.b.emit(asm.LoadMem(dst, asm.R6, int16(off), sizeOp(size)))
	g.extend(dst, t)
}

// argsValue writes `args` as a whole (print(args), @[args], @x = args):
// the argument record copied from the context slot by slot, each value
// narrowed to its type so that equal arguments make equal map keys (the
// upper bytes of a slot holding an int are undefined).
func (g *gen) argsValue(dt *lang.Type, base asm.Register, off int16, pad bool) {
	rec := g.grp.args
	if rec == nil || rec.Size != dt.Size {
		fail(nil, "args: no argument layout for %s", g.grp.targets[0].Name)
	}
	if pad {
		g.zero(base, off, dt.Size)
	}
	for _, m := range rec.Fields {
		size := maps.SizeOf(m.Type)
		if size > 8 || m.Type.Kind == lang.KindRecord || m.Type.Kind == lang.KindArray {
			for o := 0; o < size; o += 8 { // a struct passed by value
				g.b.emit(asm.LoadMem(asm.R0, asm.R6, int16(m.Offset+o), asm.DWord),
					asm.StoreMem(base, off+int16(m.Offset+o), asm.R0, asm.DWord))
			}
			continue
		}
		g.ctxSlot(m.Offset, m.Type, asm.R0)
		g.b.emit(asm.StoreMem(base, off+int16(m.Offset), asm.R0, asm.DWord))
	}
}

// attachSpec sets what the kernel needs at load time: fentry and fexit
// programs are tracing programs bound to their function when loaded
// (BPF_PROG_TYPE_TRACING with attach_btf_id), hence one program per
// function.
func attachSpec(ps *ebpf.ProgramSpec, grp *group) {
	if grp.provider != lang.Fentry && grp.provider != lang.Fexit {
		return
	}
	t := grp.targets[0]
	ps.AttachType = ebpf.AttachTraceFEntry
	if grp.provider == lang.Fexit {
		ps.AttachType = ebpf.AttachTraceFExit
	}
	ps.AttachTo = t.Func
	ps.Name = sanitizeName(t.Func)
}

// AsRawTracepoint turns a fentry/fexit program spec into a raw tracepoint
// one with the same code, for kernels that refuse to load tracing
// programs (EPERM under lockdown, ENOTSUPP without BPF trampolines): the
// verifier can still check the code, since both program types get an
// array of u64 arguments. bpf_get_func_ip, which raw tracepoints lack,
// becomes a zero: it only serves `func` when kallsyms does not know the
// function, and either way R0 holds a scalar after it.
func AsRawTracepoint(ps *ebpf.ProgramSpec) {
	ps.Type = ebpf.RawTracepoint
	ps.AttachType = ebpf.AttachNone
	ps.AttachTo = ""
	insns := make(asm.Instructions, len(ps.Instructions))
	copy(insns, ps.Instructions)
	for i, ins := range insns {
		if ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnGetFuncIp {
			insns[i] = asm.Mov.Imm(asm.R0, 0).WithMetadata(ins.Metadata)
		}
	}
	ps.Instructions = insns
}
