package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// Builtins that walk the current task_struct (bpftrace 0.24+; 0.17 has
// none of them): ppid is curtask->real_parent->pid, pcomm
// curtask->real_parent->comm;
// leader_tid is curtask->group_leader->pid and leader_comm
// curtask->group_leader->comm (bpftrace 0.26). The offsets come from the
// kernel's BTF through the Env, as a script's own field chain would.
func init() {
	addBuiltinMem("pcomm", func(g *gen, e *lang.Builtin, dt *lang.Type, base asm.Register, off int16, pad bool) {
		g.taskComm(e, "real_parent", dt, base, off, pad)
	})
	addBuiltinMem("leader_comm", func(g *gen, e *lang.Builtin, dt *lang.Type, base asm.Register, off int16, pad bool) {
		g.taskComm(e, "group_leader", dt, base, off, pad)
	})
}

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

// relative leaves curtask->link (real_parent, group_leader) in R3.
func (g *gen) relative(at lang.Node, link string) {
	m := g.taskMember(at, link)
	g.call(asm.FnGetCurrentTask)
	g.b.emit(asm.Mov.Reg(asm.R3, asm.R0))
	g.readAt(asm.R3, m.Offset, lang.Uint64, false)
}

// ppid reads real_parent->pid, as bpftrace's ppid macro does: the thread
// that created this one. That is getppid()'s answer (real_parent->tgid)
// only when the parent forked from its main thread; bpftrace chose the
// thread, so gtrace does too.
func (g *gen) ppid(e *lang.Builtin, dst asm.Register) {
	pid := g.taskMember(e, "pid")
	g.relative(e, "real_parent")
	g.readAt(dst, pid.Offset, pid.Type, false)
}

// leaderTid reads the thread id of the thread group's leader.
func (g *gen) leaderTid(e *lang.Builtin, dst asm.Register) {
	pid := g.taskMember(e, "pid")
	g.relative(e, "group_leader")
	g.readAt(dst, pid.Offset, pid.Type, false)
}

// taskComm writes the command name of curtask->link as type dt at
// base+off.
func (g *gen) taskComm(e *lang.Builtin, link string, dt *lang.Type, base asm.Register, off int16, pad bool) {
	comm := g.taskMember(e, "comm")
	if pad {
		g.zero(base, off, maps.SizeOf(dt))
	}
	g.relative(e, link)
	if comm.Offset != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(comm.Offset)))
	}
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, int32(min(maps.SizeOf(dt), maps.SizeOf(comm.Type)))))
	g.call(asm.FnProbeReadKernelStr)
}
