package codegen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/probes"
)

// The syscalls:sys_enter_NAME / sys_exit_NAME targets of a clause are
// served by one program per direction on the raw_syscalls tracepoint
// (tp_btf, 5.5+), filtered by syscall number, instead of one perf
// tracepoint each: attaching and detaching a raw tracepoint costs well
// under a millisecond, closing a syscall perf tracepoint ~66 ms, and the
// program runs without the perf record being built first.
//
// The program's context is raw_syscalls' argument array: ctx[0] is the
// struct pt_regs * of the syscall (a BTF pointer the program may load
// from), ctx[1] the syscall number at entry and its return value at exit.
// args->NAME is the register of the syscall argument NAME is in the
// event's format, args->ret is ctx[1] at exit, args->__syscall_nr the
// number, and `probe` comes from the number: a comparison for a few
// targets, else a read-only array map from number to probe index + 1.

// rawSyscallsMin is the number of syscall targets of one direction in a
// clause from which they are served from raw_syscalls. Measured here (CPU
// time per syscall of a 1M-call loop, load ~2, on syscalls costing ~93
// ns, a count() program): a traced syscall costs +33 ns through
// raw_syscalls and +62 ns through its perf tracepoint, but every untraced
// syscall +27 ns against +15 ns (a BPF program runs for each, where the
// perf path tests a bitmap); and each perf tracepoint costs ~66 ms to
// detach. So one target stays a perf tracepoint, which favours tracing
// one rare syscall on a busy machine; from two on, raw_syscalls.
const rawSyscallsMin = 2

// sysCompareMax is the number of targets up to which the syscall number
// is compared with constants rather than looked up in a map.
const sysCompareMax = 4

// sysGroup is the raw_syscalls part of a group: the direction and each
// target's syscall number (parallel to group.targets).
type sysGroup struct {
	enter bool
	nrs   []int
	ids   []int // the targets' probe indexes (filled by syscallFilter)
	// probeSlot is the stack slot holding the target's probe index, when
	// the clause reads `probe` and the program serves several targets.
	probeSlot int16
	// mapName is the number → probe index + 1 map, "" when the filter
	// compares constants.
	mapName string
}

// tracepoint is the raw_syscalls tracepoint the group's program runs on
// ("" for a group of other targets).
func (s *sysGroup) tracepoint() string {
	switch {
	case s == nil:
		return ""
	case s.enter:
		return "sys_enter"
	}
	return "sys_exit"
}

// sysClause collects the targets of one clause that go to raw_syscalls
// programs, grouped by direction and by the layout of the args fields
// the clause reads.
type sysClause struct {
	c      *compiler
	pi     *sema.ProbeInfo
	fields []string // args fields the clause reads
	byKey  map[string]*group
	out    []*group
}

// syscallClause returns the collector of a clause, nil when its syscall
// targets are attached as perf tracepoints: no raw_syscalls support in
// the kernel (Options.RawSyscalls), too few targets, or a use of the
// record that only the perf event has (args as a whole, ctx, common_*
// fields).
func (c *compiler) syscallClause(pi *sema.ProbeInfo, targets []probes.Target) *sysClause {
	if c.opts.RawSyscalls == nil || pi.Builtins["ctx"] || usesKstack(pi.Probe) {
		return nil
	}
	if !RawSyscallsWanted(targets) {
		return nil
	}
	fields, ok := argsFields(pi.Probe)
	if !ok {
		return nil
	}
	return &sysClause{c: c, pi: pi, fields: fields, byKey: map[string]*group{}}
}

// RawSyscallsWanted reports whether a clause with these targets has enough
// syscall tracepoints of one direction (rawSyscallsMin) to be served from
// raw_syscalls, should the rest of the clause allow it: only then does the
// runner look up the kernel's raw_syscalls ABI (Options.RawSyscalls),
// which costs parsing the kernel's BTF (~20 MB of heap, tens of ms).
func RawSyscallsWanted(targets []probes.Target) bool {
	enter, exit := 0, 0
	for _, t := range targets {
		if t.Provider != lang.Tracepoint || t.Category != "syscalls" {
			continue
		}
		if _, in, ok := probes.SyscallNr(t.Event); ok && in {
			enter++
		} else if ok {
			exit++
		}
	}
	return max(enter, exit) >= rawSyscallsMin
}

// usesKstack reports whether a clause takes kernel stacks: a raw_syscalls
// program's stack starts in the tracing machinery (BPF and trampoline
// frames), where a syscall tracepoint's starts at the syscall, so such
// clauses stay on perf tracepoints.
func usesKstack(p *lang.Probe) bool {
	found := false
	lang.Inspect(p, func(n lang.Node) bool {
		switch n := n.(type) {
		case *lang.Builtin:
			found = found || n.Name == "kstack"
		case *lang.Call:
			found = found || n.Name == "kstack"
		}
		return !found
	})
	return found
}

// argsFields lists the args fields a clause reads; ok is false when it
// uses args other than as `args->field` / `args.field`.
func argsFields(p *lang.Probe) (fields []string, ok bool) {
	inField := map[*lang.Builtin]bool{}
	ok = true
	lang.Inspect(p, func(n lang.Node) bool {
		if f, isField := n.(*lang.Field); isField {
			if b, isArgs := f.X.(*lang.Builtin); isArgs && b.Name == "args" {
				inField[b] = true
				if !slices.Contains(fields, f.Name) {
					fields = append(fields, f.Name)
				}
			}
		}
		if b, isB := n.(*lang.Builtin); isB && b.Name == "args" && !inField[b] {
			ok = false
		}
		return ok
	})
	slices.Sort(fields)
	return fields, ok
}

// add takes t into a raw_syscalls group when it can serve it; ok false
// leaves t to a perf tracepoint.
func (s *sysClause) add(t probes.Target) (ok bool, err error) {
	if s == nil || t.Provider != lang.Tracepoint || t.Category != "syscalls" {
		return false, nil
	}
	nr, enter, known := probes.SyscallNr(t.Event)
	if !known {
		return false, nil
	}
	key := fmt.Sprintf("enter=%v", enter)
	var args *lang.Type
	if len(s.fields) > 0 {
		rec, err := s.c.tracepointArgs(s.pi, t)
		if err != nil {
			return false, err
		}
		k, served := sysArgsKey(rec, s.fields, enter)
		if !served {
			return false, nil
		}
		key += k
		args = rec
	}
	g := s.byKey[key]
	if g == nil {
		g = &group{provider: lang.Tracepoint, args: args, sys: &sysGroup{enter: enter}}
		s.byKey[key] = g
		s.out = append(s.out, g)
	}
	g.targets = append(g.targets, t)
	g.sys.nrs = append(g.sys.nrs, nr)
	return true, nil
}

// groups returns the raw_syscalls groups of the clause.
func (s *sysClause) groups() []*group {
	if s == nil {
		return nil
	}
	return s.out
}

// sysArgsKey identifies where the fields sit among the syscall's
// arguments: targets with one key share a program. served is false for a
// field the registers do not hold (common_* fields, a record field that
// is not one of the six argument slots).
func sysArgsKey(rec *lang.Type, fields []string, enter bool) (key string, served bool) {
	var b strings.Builder
	for _, name := range fields {
		m := rec.Member(name)
		if m == nil || m.Type == nil || m.DataLoc || !sysScalar(m.Type) {
			return "", false
		}
		if name != "__syscall_nr" {
			if _, ok := sysArgSlot(m, enter); !ok {
				return "", false
			}
		}
		fmt.Fprintf(&b, "|%s@%d:%s", name, m.Offset, m.Type)
	}
	return b.String(), true
}

// sysScalar reports whether a field's value fits a register.
func sysScalar(t *lang.Type) bool {
	switch t.Kind {
	case lang.KindInt, lang.KindBool, lang.KindPtr:
		return maps.SizeOf(t) <= 8
	}
	return false
}

// sysArgSlot is the argument number of a sys_enter field (the record
// holds the six arguments as 8-byte slots after __syscall_nr, from offset
// 16) or -1 for sys_exit's ret.
func sysArgSlot(m *lang.Member, enter bool) (int, bool) {
	if !enter {
		return -1, m.Name == "ret" && m.Offset == 16
	}
	i := (m.Offset - 16) / 8
	return i, m.Offset >= 16 && m.Offset%8 == 0 && i < 6
}

// spec makes ps a tp_btf program on the group's raw_syscalls tracepoint,
// and adds the number → probe map it reads.
func (s *sysGroup) spec(c *compiler, ps *ebpf.ProgramSpec, name string) {
	if s == nil {
		return
	}
	ps.Type = ebpf.Tracing
	ps.AttachType = ebpf.AttachTraceRawTp
	ps.AttachTo = s.tracepoint()
	if s.mapName == "" {
		return
	}
	size := slices.Max(s.nrs) + 1
	var contents []ebpf.MapKV
	for i, nr := range s.nrs {
		contents = append(contents, ebpf.MapKV{Key: uint32(nr), Value: uint32(s.ids[i] + 1)})
	}
	c.out.Spec.Maps[s.mapName] = &ebpf.MapSpec{
		Name: sanitizeName("sys_" + name), Type: ebpf.Array, KeySize: 4, ValueSize: 4,
		MaxEntries: uint32(size), Contents: contents,
		// Read-only for programs (cilium/ebpf freezes such maps after
		// filling them): the filter is fixed when the script compiles.
		Flags: sysMapFlags,
	}
}

// sysMapFlags is BPF_F_RDONLY_PROG (5.2+).
const sysMapFlags = 1 << 7

// syscallFilter starts a raw_syscalls program: it returns at once for
// syscalls the clause does not trace (the common case, so the fewest
// instructions), then for 32-bit syscalls, and keeps the probe index of
// the traced one when `probe` needs it. No-op for other programs.
func (g *gen) syscallFilter() {
	s := g.grp.sys
	if s == nil {
		return
	}
	abi := g.c.opts.RawSyscalls
	s.ids = s.ids[:0]
	for _, t := range g.grp.targets {
		s.ids = append(s.ids, g.c.probeID(t.Name))
	}
	g.b.src = "raw_syscalls: traced syscall numbers only"
	g.sysNr(asm.R0)
	needProbe := g.pi.Builtins["probe"] && len(s.nrs) > 1
	s.probeSlot = 0
	if needProbe {
		s.probeSlot = g.f.alloc(8)
	}
	switch {
	case len(s.nrs) == 1:
		g.b.emit(asm.JNE.Imm(asm.R0, int32(s.nrs[0]), g.exit))
		s.mapName = ""
	case len(s.nrs) <= sysCompareMax:
		found := g.b.label("sys_found")
		for i, nr := range s.nrs {
			g.b.emit(movImm(asm.R1, int64(s.ids[i])), asm.JEq.Imm(asm.R0, int32(nr), found))
		}
		g.b.emit(asm.Ja.Label(g.exit))
		g.b.mark(found)
		if needProbe {
			g.b.emit(asm.StoreMem(asm.RFP, s.probeSlot, asm.R1, asm.DWord))
		}
		s.mapName = ""
	default:
		// An array lookup the verifier inlines: no helper call.
		s.mapName = fmt.Sprintf("sysnr_%d", g.progIndex)
		key := g.f.alloc(8)
		g.b.emit(
			asm.JGT.Imm(asm.R0, int32(slices.Max(s.nrs)), g.exit),
			asm.StoreMem(asm.RFP, key, asm.R0, asm.Word),
			asm.LoadMapPtr(asm.R1, 0).WithReference(s.mapName),
			asm.Mov.Reg(asm.R2, asm.RFP),
			asm.Add.Imm(asm.R2, int32(key)),
			asm.FnMapLookupElem.Call(),
			asm.JEq.Imm(asm.R0, 0, g.exit),
			asm.LoadMem(asm.R1, asm.R0, 0, asm.Word),
			asm.JEq.Imm(asm.R1, 0, g.exit),
		)
		if needProbe {
			g.b.emit(asm.Add.Imm(asm.R1, -1), asm.StoreMem(asm.RFP, s.probeSlot, asm.R1, asm.DWord))
		}
	}
	// The syscalls tracepoints ignore 32-bit syscalls (their numbers are
	// the ia32 table's): so do we, from the task's TS_COMPAT status bit.
	g.b.emit(
		asm.FnGetCurrentTaskBtf.Call(),
		asm.LoadMem(asm.R0, asm.R0, int16(abi.StatusOffset), asm.Word),
		asm.And.Imm(asm.R0, int32(abi.CompatBit)),
		asm.JNE.Imm(asm.R0, 0, g.exit),
	)
}

// sysNr loads the syscall number: ctx[1] at entry; at exit, which passes
// the return value instead, the pt_regs' orig_ax (as the kernel does).
func (g *gen) sysNr(dst asm.Register) {
	if g.grp.sys.enter {
		g.b.emit(asm.LoadMem(dst, asm.R6, 8, asm.DWord))
		return
	}
	g.b.emit(
		asm.LoadMem(dst, asm.R6, 0, asm.DWord),
		asm.LoadMem(dst, dst, int16(g.c.opts.RawSyscalls.NrOffset), asm.DWord),
	)
}

// sysProbe is the `probe` builtin of a raw_syscalls program serving
// several targets: the index its filter kept.
func (g *gen) sysProbe(dst asm.Register) bool {
	s := g.grp.sys
	if s == nil || len(s.nrs) < 2 {
		return false
	}
	if s.probeSlot == 0 {
		panic("BUG: codegen: probe read in a raw_syscalls program without its slot")
	}
	g.b.emit(asm.LoadMem(dst, asm.RFP, s.probeSlot, asm.DWord))
	return true
}

// sysArgInt reads args->NAME in a raw_syscalls program: the syscall
// number, the return value, or the argument's register, converted to the
// field's type as the perf event's record would hold it (an `int dfd`
// is the low 4 bytes of its 8-byte slot).
func (g *gen) sysArgInt(f *lang.Field, dst asm.Register) bool {
	if g.grp.sys == nil || !g.isArgsField(f) {
		return false
	}
	m := g.argsMember(f)
	switch slot, _ := sysArgSlot(m, g.grp.sys.enter); {
	case f.Name == "__syscall_nr":
		g.sysNr(dst)
	case slot < 0:
		g.b.emit(asm.LoadMem(dst, asm.R6, 8, asm.DWord))
	default:
		g.b.emit(
			asm.LoadMem(dst, asm.R6, 0, asm.DWord),
			asm.LoadMem(dst, dst, int16(g.c.opts.RawSyscalls.ArgOffsets[slot]), asm.DWord),
		)
	}
	if size := maps.SizeOf(m.Type); m.Type.Kind != lang.KindPtr && size < 8 {
		bits := int32(64 - 8*size)
		g.b.emit(asm.LSh.Imm(dst, bits))
		if m.Type.Signed {
			g.b.emit(asm.ArSh.Imm(dst, bits))
		} else {
			g.b.emit(asm.RSh.Imm(dst, bits))
		}
	}
	return true
}
