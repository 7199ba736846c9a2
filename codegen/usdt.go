package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/probes"
)

// usdt argument loads. A usdt target carries the argument specs of its
// note (probes.USDTArg: "-4@%edi", "8@-8(%rbp)", "-4@$5"): a constant, a
// register of pt_regs, or a value in the traced process's memory at
// register + index*scale + displacement. The value is truncated to the
// spec's size and sign-extended when the size is negative.

// usdtRegOffset is the pt_regs offset of a register named as in
// probes.USDTArg.
func usdtRegOffset(name string) (int16, bool) { return probes.HostRegs().Offset(name) }

// usdtSpec returns the spec of argument n shared by every target of the
// group: one program serves targets only when their specs agree (sites of
// one probe compiled alike, which is the common case).
func (g *gen) usdtSpec(n int) probes.USDTArg {
	var spec *probes.USDTArg
	for i := range g.grp.targets {
		t := &g.grp.targets[i]
		if n >= len(t.USDTArgs) {
			fail(nil, "arg%d: usdt probe %s has %d arguments", n, t.Name, len(t.USDTArgs))
		}
		a := &t.USDTArgs[n]
		if a.Err != "" {
			fail(nil, "arg%d of %s: %s: %v", n, t.Name, a.Err, ErrUnsupported)
		}
		if spec == nil {
			spec = a
		} else if *a != *spec {
			// The same text is not the same operand at every site: a
			// %rip-relative global is at a different distance from each.
			fail(nil, "arg%d: the sites of %s pass it differently (%s, %s): %v", n, t.Name, spec.Spec, a.Spec, ErrUnsupported)
		}
	}
	if spec == nil {
		fail(nil, "arg%d: no usdt target", n)
	}
	return *spec
}

// usdtArg loads argument n of a usdt probe into dst.
func (g *gen) usdtArg(n int, dst asm.Register) {
	a := g.usdtSpec(n)
	reg := func(r asm.Register, name string) {
		off, ok := usdtRegOffset(name)
		if !ok {
			fail(nil, "arg%d: usdt register %q: %v", n, name, ErrUnsupported)
		}
		g.b.emit(asm.LoadMem(r, asm.R6, off, asm.DWord))
	}
	switch a.Kind {
	case probes.USDTConst:
		g.b.emit(movImm(dst, a.Const()))
		return
	case probes.USDTReg:
		reg(dst, a.Reg)
		if a.RegShift != 0 {
			g.b.emit(asm.RSh.Imm(dst, int32(a.RegShift)))
		}
	case probes.USDTMem:
		// bpf_probe_read_user(slot, size, reg + index*scale + disp); a
		// failed read leaves the zeroed slot (0), as bpftrace.
		slot := g.f.alloc(8)
		g.b.emit(storeImm64(asm.RFP, slot, 0))
		reg(asm.R3, a.Reg)
		if a.Index != "" {
			reg(asm.R1, a.Index)
			if a.Scale > 1 {
				g.b.emit(asm.Mul.Imm(asm.R1, int32(a.Scale)))
			}
			g.b.emit(asm.Add.Reg(asm.R3, asm.R1))
		}
		if a.Value != 0 {
			g.b.emit(movImm(asm.R1, a.Value), asm.Add.Reg(asm.R3, asm.R1))
		}
		g.b.emit(
			asm.Mov.Reg(asm.R1, asm.RFP),
			asm.Add.Imm(asm.R1, int32(slot)),
			asm.Mov.Imm(asm.R2, int32(a.Size)),
			asm.FnProbeReadUser.Call(),
		)
		g.checkHelper(asm.FnProbeReadUser)
		g.b.emit(asm.LoadMem(dst, asm.RFP, slot, sizeOp(a.Size)))
	default:
		fail(nil, "arg%d: usdt argument %q: %v", n, a.Spec, ErrUnsupported)
	}
	g.usdtExtend(dst, a.Size, a.Signed)
}

// usdtExtend truncates dst to size bytes, sign-extending when signed.
func (g *gen) usdtExtend(dst asm.Register, size int, signed bool) {
	if size >= 8 {
		return
	}
	bits := int32(64 - 8*size)
	switch {
	case signed:
		g.b.emit(asm.LSh.Imm(dst, bits), asm.ArSh.Imm(dst, bits))
	case size == 4:
		g.b.emit(asm.Mov.Reg32(dst, dst))
	default:
		g.b.emit(asm.And.Imm(dst, int32(1)<<(8*size)-1))
	}
}
