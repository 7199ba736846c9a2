package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// Builtins that walk the current task_struct (bpftrace 0.25+): ppid is
// curtask->real_parent->tgid, pcomm curtask->real_parent->comm. The
// offsets come from the kernel's BTF through the Env, as a script's own
// field chain would.

// taskMember returns a member of the kernel's struct task_struct.
func (g *gen) taskMember(at lang.Node, name string) *lang.Member {
	var rec *lang.Type
	if g.c.opts.Env != nil {
		rec, _ = g.c.opts.Env.Struct("struct task_struct")
	}
	if rec == nil {
		fail(at, "struct task_struct is not known (kernel BTF is needed): %v", ErrUnsupported)
	}
	m := rec.Member(name)
	if m == nil {
		fail(at, "struct task_struct has no %s on this kernel: %v", name, ErrUnsupported)
	}
	return m
}

// realParent leaves curtask->real_parent in R3.
func (g *gen) realParent(at lang.Node) {
	m := g.taskMember(at, "real_parent")
	g.call(asm.FnGetCurrentTask)
	g.b.emit(asm.Mov.Reg(asm.R3, asm.R0))
	g.readAt(asm.R3, m.Offset, lang.Uint64, false)
}

// ppid reads the parent's process id.
func (g *gen) ppid(e *lang.Builtin, dst asm.Register) {
	tgid := g.taskMember(e, "tgid")
	g.realParent(e)
	g.readAt(dst, tgid.Offset, tgid.Type, false)
}

// pcomm writes the parent's command name as type dt at base+off.
func (g *gen) pcomm(e *lang.Builtin, dt *lang.Type, base asm.Register, off int16, pad bool) {
	comm := g.taskMember(e, "comm")
	if pad {
		g.zero(base, off, maps.SizeOf(dt))
	}
	g.realParent(e)
	if comm.Offset != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(comm.Offset)))
	}
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, int32(min(maps.SizeOf(dt), maps.SizeOf(comm.Type)))))
	g.call(asm.FnProbeReadKernelStr)
}
