package codegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// builtin evaluates a register-valued builtin variable into dst.
func (g *gen) builtin(e *lang.Builtin, dst asm.Register) {
	switch e.Name {
	case "func":
		// As bpftrace: the instruction pointer of the probed context,
		// printed as the symbol it falls in (kprobe.go for the kernel's
		// probe types).
		if g.kernelFunc(dst) {
			return
		}
		g.regsField(asm.R0, g.regs().IP)
		if g.grp.provider == lang.Uprobe || g.grp.provider == lang.Uretprobe {
			h := g.hold()
			g.store(h, asm.R0)
			g.usymOf(h, dst)
			return
		}
		if dst != asm.R0 {
			g.b.emit(asm.Mov.Reg(dst, asm.R0))
		}
		return
	case "cpid":
		// The -c command is started (suspended) before code generation.
		g.b.emit(movImm(dst, int64(g.c.opts.ChildPID)))
		return
	case "pid", "tid":
		g.call(asm.FnGetCurrentPidTgid)
		if e.Name == "pid" {
			g.b.emit(asm.RSh.Imm(asm.R0, 32))
		} else {
			g.b.emit(asm.Mov.Reg32(asm.R0, asm.R0))
		}
	case "uid", "gid", "username":
		// username is the uid; user space prints the name (KindUsername).
		g.call(asm.FnGetCurrentUidGid)
		if e.Name == "gid" {
			g.b.emit(asm.RSh.Imm(asm.R0, 32))
		} else {
			g.b.emit(asm.Mov.Reg32(asm.R0, asm.R0))
		}
	case "nsecs":
		g.call(asm.FnKtimeGetBootNs) // 5.8+; bpftrace's default clock
	case "elapsed":
		g.call(asm.FnKtimeGetBootNs)
		g.b.emit(
			asm.LoadMapValue(asm.R1, 0, StateStartNs).WithReference(StateMap),
			asm.LoadMem(asm.R1, asm.R1, 0, asm.DWord),
			asm.Sub.Reg(asm.R0, asm.R1),
		)
	case "cpu":
		g.call(asm.FnGetSmpProcessorId)
	case "numaid":
		g.call(asm.FnGetNumaNodeId)
	case "rand":
		g.call(asm.FnGetPrandomU32)
	case "cgroup":
		g.call(asm.FnGetCurrentCgroupId)
	case "curtask":
		g.call(asm.FnGetCurrentTask)
	case "ppid":
		g.ppid(e, dst)
		return
	case "jiffies":
		g.call(asm.FnJiffies64)
	case "probe":
		g.probeValue(dst)
		return
	case "kstack", "ustack":
		g.stack(g.typeOf(e), dst)
		return
	case "retval":
		g.retval(e, dst)
		return
	case "args":
		// args as a value is the context pointer (tracepoint records).
		g.b.emit(asm.Mov.Reg(dst, asm.R6))
		return
	case "ctx":
		g.b.emit(asm.Mov.Reg(dst, asm.R6))
		return
	default:
		if strings.HasPrefix(e.Name, "arg") {
			n, err := strconv.Atoi(e.Name[3:])
			if err == nil {
				g.argN(n, dst)
				return
			}
		}
		if strings.HasPrefix(e.Name, "sarg") {
			n, err := strconv.Atoi(e.Name[4:])
			if err == nil {
				g.stackArg(n, dst)
				return
			}
		}
		fail(e, "builtin %s: %v", e.Name, ErrUnsupported)
	}
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}

// probeValue is the `probe` builtin: an index into Program.ProbeNames, a
// constant when the program serves one target, else the BPF cookie the
// target was attached with (bpf_get_attach_cookie, 5.15+).
func (g *gen) probeValue(dst asm.Register) {
	if g.sysProbe(dst) {
		return
	}
	if len(g.grp.targets) == 1 {
		g.b.emit(movImm(dst, int64(g.c.probeID(g.grp.targets[0].Name))))
		return
	}
	g.b.emit(asm.Mov.Reg(asm.R1, asm.R6), asm.FnGetAttachCookie.Call())
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}

// stack records the current kernel or user stack in the stack map of its
// depth (bpf_get_stackid) and returns id | pid<<32 (user stacks need the
// pid to resolve symbols).
func (g *gen) stack(t *lang.Type, dst asm.Register) {
	depth := t.StackDepth
	if depth <= 0 {
		depth = 127
	}
	name := fmt.Sprintf("stack_%d", depth)
	if g.c.out.Stacks[name] == nil {
		g.c.out.Stacks[name] = &StackMap{Name: name, Depth: depth}
		g.c.out.Spec.Maps[name] = stackMapSpec(name, depth, g.c.opts.MaxMapKeys)
	}
	flags := int32(0)
	if t.Kind == lang.KindUStack {
		flags = 1 << 8 // BPF_F_USER_STACK
	}
	g.b.emit(
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.LoadMapPtr(asm.R2, 0).WithReference(name),
		asm.Mov.Imm(asm.R3, flags),
		asm.FnGetStackid.Call(),
	)
	g.checkHelper(asm.FnGetStackid)
	g.b.emit(asm.Mov.Reg32(asm.R0, asm.R0))
	if t.Kind == lang.KindUStack {
		h := g.hold()
		g.store(h, asm.R0)
		g.call(asm.FnGetCurrentPidTgid)
		g.b.emit(asm.RSh.Imm(asm.R0, 32), asm.LSh.Imm(asm.R0, 32))
		g.load(asm.R1, h)
		g.release(h)
		g.b.emit(asm.Or.Reg(asm.R0, asm.R1))
	}
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}
