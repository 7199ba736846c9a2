package probes

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"

	"github.com/gtrace/gtrace/lang"
)

// uprobeProtos gives uprobe's `args` (bpftrace 0.26: uprobe:bin:fn {
// args.x }) from the function's DWARF: each integer or pointer parameter
// is a member of the record at the pt_regs offset of the register the
// calling convention passes it in (x86-64 SysV: di, si, dx, cx, r8, r9;
// arm64: x0..x7), so `args.x` loads straight from the uprobe's context.
// Floating-point parameters travel in other registers and take no
// integer register; a parameter after a struct passed by value, or past
// the last argument register, has no known place and is left out. nil
// when the binary has no DWARF for pattern, which leaves args untyped.
func (k *Kernel) uprobeProtos(bin, pattern string) ([]*lang.Proto, error) {
	path := bin
	if path == "" {
		if k.PID <= 0 {
			return nil, nil
		}
		path = fmt.Sprintf("/proc/%d/exe", k.PID)
	} else if paths, err := k.resolveBinary(bin); err != nil || len(paths) != 1 {
		return nil, nil // reported by the expansion of the attach point
	} else {
		path = paths[0]
	}
	ef, err := k.elfFile(path)
	if err != nil {
		return nil, nil
	}
	regs := RegsFor(map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[ef.Machine])
	if regs == nil {
		return nil, nil
	}
	var names []string
	if HasWildcard(pattern) {
		for _, fn := range ef.Funcs {
			if Match(pattern, fn.Name) {
				names = append(names, fn.Name)
			}
		}
	} else {
		names = []string{pattern}
	}
	var out []*lang.Proto
	for _, name := range names {
		params := ef.dwarfParams(name)
		if params == nil {
			continue
		}
		out = append(out, regsProto(name, params, regs))
	}
	return out, nil
}

// regsProto lays a function's parameters over the registers that carry
// them.
func regsProto(name string, params []dwarfParam, regs *Regs) *lang.Proto {
	rec := &lang.Type{Kind: lang.KindRecord, Name: "args", Fields: []*lang.Member{}}
	p := &lang.Proto{Name: name, Args: rec}
	conv := &dwarfConverter{seen: map[dwarf.Type]*lang.Type{}}
	next := 0
	for _, prm := range params {
		if prm.typ == nil || next >= len(regs.Args) {
			break
		}
		switch dwarfClass(prm.typ) {
		case classFloat:
			continue
		case classStruct:
			// Passed in one or two integer registers (as a whole: on
			// the stack when they do not both fit), not named in args.
			n := int((prm.typ.Size() + 7) / 8)
			if next+n <= len(regs.Args) {
				next += n
			}
			continue
		case classOther:
			return finish(p)
		}
		off, ok := regs.Offset(regs.Args[next])
		if !ok {
			break
		}
		next++
		rec.Fields = append(rec.Fields, &lang.Member{Name: prm.name, Type: conv.convert(prm.typ, 0), Offset: int(off)})
		p.ArgNames = append(p.ArgNames, dwarfTypeName(prm.typ)+" "+prm.name)
	}
	return finish(p)
}

// finish sizes the record to hold its highest member.
func finish(p *lang.Proto) *lang.Proto {
	for _, m := range p.Args.Fields {
		p.Args.Size = max(p.Args.Size, m.Offset+8)
	}
	return p
}

type paramClass int

const (
	classInt    paramClass = iota // an integer register
	classFloat                    // a vector register
	classStruct                   // a small struct of integers by value
	classOther                    // long double, a large or float struct: not followed
)

func dwarfClass(t dwarf.Type) paramClass {
	switch t := t.(type) {
	case *dwarf.TypedefType:
		return dwarfClass(t.Type)
	case *dwarf.QualType:
		return dwarfClass(t.Type)
	case *dwarf.PtrType, *dwarf.EnumType, *dwarf.IntType, *dwarf.UintType,
		*dwarf.CharType, *dwarf.UcharType, *dwarf.BoolType:
		if t.Size() > 8 {
			return classOther // __int128 takes two registers
		}
		return classInt
	case *dwarf.FloatType:
		if t.Size() > 8 {
			return classOther // long double is passed in memory
		}
		return classFloat
	case *dwarf.StructType:
		// SysV x86-64 and AAPCS64 pass a struct of up to 16 bytes in
		// general registers when it holds no floating-point member.
		if t.ByteSize > 0 && t.ByteSize <= 16 && !hasFloat(t) {
			return classStruct
		}
	}
	return classOther
}

// hasFloat reports whether a struct holds a floating-point value (or an
// array, which this does not look into): its place would depend on it.
func hasFloat(t *dwarf.StructType) bool {
	for _, f := range t.Field {
		switch dwarfClass(f.Type) {
		case classFloat, classOther:
			return true
		}
	}
	return false
}

// dwarfConverter turns DWARF types into gtrace's types: integers keep
// their size and sign, pointers point into user memory (a uprobe's
// arguments are the process's), structs keep their members so that
// args.p->x reads the field. seen breaks cycles (linked lists).
type dwarfConverter struct {
	seen map[dwarf.Type]*lang.Type
}

func (c *dwarfConverter) convert(t dwarf.Type, depth int) *lang.Type {
	switch t := t.(type) {
	case *dwarf.TypedefType:
		return c.convert(t.Type, depth)
	case *dwarf.QualType:
		return c.convert(t.Type, depth)
	case *dwarf.IntType, *dwarf.CharType:
		return lang.IntType(int(t.Size()), true)
	case *dwarf.UintType, *dwarf.UcharType, *dwarf.BoolType, *dwarf.EnumType:
		return lang.IntType(int(max(1, t.Size())), false)
	case *dwarf.PtrType:
		elem := lang.IntType(1, false) // void*: bytes
		if _, void := t.Type.(*dwarf.VoidType); !void && t.Type != nil {
			elem = c.convert(t.Type, depth+1)
		}
		return lang.InUser(lang.PtrTo(elem))
	case *dwarf.StructType:
		if r, ok := c.seen[t]; ok {
			return r
		}
		r := &lang.Type{Kind: lang.KindRecord, Name: t.Kind + " " + t.StructName, Size: int(max(0, t.ByteSize)), User: true}
		c.seen[t] = r
		if depth > 8 {
			return r // deep enough for any field chain a script writes
		}
		for _, f := range t.Field {
			if f.BitSize > 0 {
				continue // bit-fields: left out rather than misread
			}
			r.Fields = append(r.Fields, &lang.Member{Name: f.Name, Type: c.convert(f.Type, depth+1), Offset: int(f.ByteOffset)})
		}
		return r
	case *dwarf.ArrayType:
		if t.Count > 0 {
			return &lang.Type{Kind: lang.KindArray, Elem: c.convert(t.Type, depth+1), Len: int(t.Count), Size: int(t.Size()), User: true}
		}
	}
	return lang.IntType(8, false)
}
