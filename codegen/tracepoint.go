package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// isArgsField reports whether f is `args->name` / `args.name`.
func (g *gen) isArgsField(f *lang.Field) bool {
	b, ok := f.X.(*lang.Builtin)
	return ok && b.Name == "args"
}

// argsMember returns the field of the target group's args record: offsets
// come from the group's own format file, not the checker's first match.
func (g *gen) argsMember(f *lang.Field) *lang.Member {
	rec := g.grp.args
	if rec == nil {
		if t := g.typeOf(f.X); t.IsPtr() && t.Elem != nil {
			rec = t.Elem
		}
	}
	if rec == nil {
		fail(f, "args: no record layout for this probe")
	}
	m := rec.Member(f.Name)
	if m == nil {
		fail(f, "args: no field %q in %s", f.Name, rec.Name)
	}
	return m
}

// fieldInt reads an integer field: tracepoint args straight from the
// context (tracepoint programs may load their record directly), other
// struct fields through a pointer with bpf_probe_read_kernel.
func (g *gen) fieldInt(f *lang.Field, dst asm.Register) {
	if g.isArgsField(f) && g.grp.provider == lang.Tracepoint {
		m := g.argsMember(f)
		t := m.Type
		size := maps.SizeOf(t)
		if t.Kind != lang.KindInt && t.Kind != lang.KindBool {
			size = 8
		}
		if size > 8 || m.Offset%size != 0 {
			// Unaligned: the context only allows aligned loads.
			g.b.emit(asm.Mov.Reg(asm.R3, asm.R6))
			g.readKernel(dst, asm.R3, int16(m.Offset), t)
		} else {
			g.b.emit(asm.LoadMem(dst, asm.R6, int16(m.Offset), sizeOp(size)))
			g.extend(dst, t)
		}
		g.bitfield(dst, m)
		return
	}
	xt := g.typeOf(f.X)
	if xt.IsPtr() && xt.Elem != nil && xt.Elem.Kind == lang.KindRecord {
		m := xt.Elem.Member(f.Name)
		if m == nil || m.Type == nil {
			fail(f, "field %s: layout unknown: %v", f.Name, ErrUnsupported)
		}
		g.intExpr(f.X, asm.R3)
		g.readKernel(dst, asm.R3, int16(m.Offset), m.Type)
		g.bitfield(dst, m)
		return
	}
	fail(f, "field access %s: %v", g.c.text(f.Span), ErrUnsupported)
}

func (g *gen) bitfield(r asm.Register, m *lang.Member) {
	if m.BitSize > 0 {
		if m.BitOff > 0 {
			g.b.emit(asm.RSh.Imm(r, int32(m.BitOff)))
		}
		g.b.emit(asm.And.Imm(r, int32(uint32(1)<<m.BitSize-1)))
	}
}

// fieldMem writes a memory-valued args field (a __data_loc string, a char
// array) at base+off. It reports false for other fields.
func (g *gen) fieldMem(f *lang.Field, dt *lang.Type, base asm.Register, off int16, pad bool) bool {
	if !g.isArgsField(f) || g.grp.provider != lang.Tracepoint {
		return g.ptrFieldMem(f, dt, base, off, pad)
	}
	m := g.argsMember(f)
	if pad {
		g.zero(base, off, maps.SizeOf(dt))
	}
	size := min(maps.SizeOf(dt), maps.SizeOf(m.Type))
	if m.DataLoc {
		// The u32 locator: length << 16 | offset from the record start.
		size = maps.SizeOf(dt)
		g.b.emit(
			asm.LoadMem(asm.R3, asm.R6, int16(m.Offset), asm.Word),
			asm.And.Imm(asm.R3, 0xffff),
			asm.Add.Reg(asm.R3, asm.R6),
		)
		g.addr(asm.R1, base, off)
		g.b.emit(asm.Mov.Imm(asm.R2, int32(size)))
		g.call(asm.FnProbeReadKernelStr)
		return true
	}
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, int32(size)), asm.Mov.Reg(asm.R3, asm.R6), asm.Add.Imm(asm.R3, int32(m.Offset)))
	g.call(asm.FnProbeReadKernel)
	if dt.Kind == lang.KindStr && size == maps.SizeOf(dt) {
		g.b.emit(asm.StoreImm(base, off+int16(size-1), 0, asm.Byte))
	}
	return true
}

// argsArrayElem reads args->arr[i] from the context.
func (g *gen) argsArrayElem(f *lang.Field, i int, et *lang.Type, dst asm.Register) {
	m := g.argsMember(f)
	size := maps.SizeOf(et)
	off := m.Offset + i*size
	if off%size == 0 && size <= 8 {
		g.b.emit(asm.LoadMem(dst, asm.R6, int16(off), sizeOp(size)))
		g.extend(dst, et)
		return
	}
	g.b.emit(asm.Mov.Reg(asm.R3, asm.R6))
	g.readKernel(dst, asm.R3, int16(off), et)
}

// ptrFieldMem writes a memory-valued field of a struct reached through a
// pointer ($task->comm, curtask->comm): strings and char arrays with
// bpf_probe_read_kernel_str (5.5+), which stops at the NUL; other
// values with bpf_probe_read_kernel.
func (g *gen) ptrFieldMem(f *lang.Field, dt *lang.Type, base asm.Register, off int16, pad bool) bool {
	xt := g.typeOf(f.X)
	if !xt.IsPtr() || xt.Elem == nil || xt.Elem.Kind != lang.KindRecord {
		return false
	}
	m := xt.Elem.Member(f.Name)
	if m == nil || m.Type == nil || maps.SizeOf(m.Type) == 0 {
		return false
	}
	if pad {
		g.zero(base, off, maps.SizeOf(dt))
	}
	n := min(maps.SizeOf(dt), maps.SizeOf(m.Type))
	str := dt.Kind == lang.KindStr && (m.Type.Kind == lang.KindStr ||
		m.Type.Kind == lang.KindArray && m.Type.Elem != nil && maps.SizeOf(m.Type.Elem) == 1)
	if str {
		n = maps.SizeOf(dt)
		if m.Type.Kind == lang.KindArray {
			n = min(n, m.Type.Len+1)
		}
	}
	g.intExpr(f.X, asm.R3)
	if m.Offset != 0 {
		g.b.emit(asm.Add.Imm(asm.R3, int32(m.Offset)))
	}
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, int32(n)))
	if str {
		g.call(asm.FnProbeReadKernelStr)
		return true
	}
	g.call(asm.FnProbeReadKernel)
	return true
}
