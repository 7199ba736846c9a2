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
// struct fields through pointers (btf_fields.go).
func (g *gen) fieldInt(f *lang.Field, dst asm.Register) {
	if g.sysArgInt(f, dst) {
		return
	}
	if g.isArgsField(f) && ctxRecord(g.grp.provider) {
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
	if g.inMemory(f) {
		g.chainInt(f, dst)
		return
	}
	if g.valueField(f, dst) {
		return
	}
	fail(f, "field access %s: %v", g.c.text(f.Span), ErrUnsupported)
}

// bitfield extracts a bitfield from its storage unit in r: shifted up to
// drop the bits above it, then down to drop those below. Two shifts serve
// every width up to 64 bits, where a mask immediate stops at 31. The value
// is unsigned even for a signed member, as bpftrace 0.17 reads it (shift
// and mask).
func (g *gen) bitfield(r asm.Register, m *lang.Member) {
	if m.BitSize <= 0 {
		return
	}
	if m.BitOff+m.BitSize > 64 {
		panic("BUG: codegen: bitfield past its 64-bit unit")
	}
	if up := 64 - m.BitOff - m.BitSize; up > 0 {
		g.b.emit(asm.LSh.Imm(r, int32(up)))
	}
	if down := 64 - m.BitSize; down > 0 {
		g.b.emit(asm.RSh.Imm(r, int32(down)))
	}
}

// fieldMem writes a memory-valued args field (a __data_loc string, a char
// array) at base+off. It reports false for other fields.
func (g *gen) fieldMem(f *lang.Field, dt *lang.Type, base asm.Register, off int16, pad bool) bool {
	if g.grp.sys != nil && g.isArgsField(f) {
		return false // registers, read as integers (sysArgInt)
	}
	if !g.isArgsField(f) || !ctxRecord(g.grp.provider) {
		if !g.inMemory(f) {
			return g.valueFieldMem(f, dt, base, off, pad)
		}
		g.chainMem(f, dt, base, off, pad)
		return true
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
