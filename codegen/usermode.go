package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

func init() { addBuiltin("usermode", (*gen).usermode) }

// usermode is 1 when the probe fired in user mode: the privilege level in
// the low two bits of the CS register saved in the context's pt_regs is 3
// (x86-64; bpftrace has it there only). As bpftrace, programs whose
// context holds no registers get a constant: 1 for BEGIN and END (run
// from user space), 0 for the others (tracepoints, fentry: kernel code).
// (bpftrace decides it for the whole clause: `BEGIN, profile:hz:99` is 1
// in both.)
func (g *gen) usermode(e *lang.Builtin, dst asm.Register) {
	// bpftrace folds the constant when any attach point of the clause has
	// no registers, from the first such one.
	for _, ap := range g.pi.Probe.Attach {
		if pt, _ := programType(ap.Provider); pt != ebpf.Kprobe && pt != ebpf.PerfEvent {
			if probeTypeName(ap.Provider) == "special" {
				g.b.emit(asm.Mov.Imm(dst, 1))
			} else {
				g.b.emit(asm.Mov.Imm(dst, 0))
			}
			return
		}
	}
	regs := probes.HostRegs()
	off, ok := regs.Offset("cs")
	if !ok {
		fail(e, "'usermode' builtin is only supported on x86_64, not %s", regs.Arch)
	}
	// (cs & 3) + 1 is 4 exactly when the level is 3: >> 2 makes it 1.
	g.b.emit(
		asm.LoadMem(dst, asm.R6, off, asm.DWord),
		asm.And.Imm(dst, 3),
		asm.Add.Imm(dst, 1),
		asm.RSh.Imm(dst, 2),
	)
}
