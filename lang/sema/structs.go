package sema

import (
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// cInts maps C and bpftrace integer type names to (size, signed), for casts,
// sizeof, let types and script struct members (LP64: long is 8 bytes).
var cInts = map[string]struct {
	size   int
	signed bool
}{
	"char": {1, true}, "signed char": {1, true}, "unsigned char": {1, false},
	"short": {2, true}, "short int": {2, true}, "signed short": {2, true},
	"unsigned short": {2, false}, "unsigned short int": {2, false},
	"int": {4, true}, "signed": {4, true}, "signed int": {4, true},
	"unsigned": {4, false}, "unsigned int": {4, false},
	"long": {8, true}, "long int": {8, true}, "signed long": {8, true},
	"unsigned long": {8, false}, "unsigned long int": {8, false},
	"long long": {8, true}, "long long int": {8, true},
	"unsigned long long": {8, false}, "unsigned long long int": {8, false},
	"bool": {1, false}, "_Bool": {1, false},
	"size_t": {8, false}, "ssize_t": {8, true}, "off_t": {8, true}, "loff_t": {8, true},
	"pid_t": {4, true}, "uid_t": {4, false}, "gid_t": {4, false}, "dev_t": {4, false},
	"umode_t": {2, false}, "gfp_t": {4, false},
}

func init() {
	for _, bits := range []int{8, 16, 32, 64} {
		size := bits / 8
		n := itoa(bits)
		for _, p := range []string{"u", "__u", "uint"} {
			cInts[p+n] = struct {
				size   int
				signed bool
			}{size, false}
		}
		for _, p := range []string{"s", "__s", "int"} {
			cInts[p+n] = struct {
				size   int
				signed bool
			}{size, true}
		}
		cInts["uint"+n+"_t"] = struct {
			size   int
			signed bool
		}{size, false}
		cInts["int"+n+"_t"] = struct {
			size   int
			signed bool
		}{size, true}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// resolveTypeExpr resolves a written C type and records it in Info.
func (c *checker) resolveTypeExpr(te *lang.TypeExpr) *lang.Type {
	t := c.resolveType(te, false)
	if t == nil {
		t = lang.None
	}
	c.info.TypeExprs[te] = t
	return t
}

// resolveType resolves a written type. In struct members (member set),
// char arrays are strings, as bpftrace reads them from BTF and tracepoints.
func (c *checker) resolveType(te *lang.TypeExpr, member bool) *lang.Type {
	name := strings.Join(strings.Fields(te.Name), " ")
	name = strings.TrimPrefix(strings.TrimPrefix(name, "const "), "volatile ")
	var base *lang.Type
	switch {
	case name == "void":
		if te.Ptr == 0 {
			c.errorf(te, "Cannot use type 'void' for a value")
			return nil
		}
		base = lang.None
	case strings.HasPrefix(name, "struct ") || strings.HasPrefix(name, "union "):
		base = c.lookupRecord(name)
		if base == nil {
			if c.opts.Env != NoKernel {
				c.errorf(te, "Unknown struct/union: '%s'", name)
				return nil
			}
			// Without a kernel nothing can tell; keep it opaque.
			base = &lang.Type{Kind: lang.KindRecord, Name: name}
		}
	case strings.HasPrefix(name, "enum "):
		base = lang.IntType(4, false)
	default:
		ci, ok := cInts[name]
		if !ok {
			d := c.errorf(te, "Unknown type: '%s'", name)
			cands := make([]string, 0, len(cInts))
			for n := range cInts {
				cands = append(cands, n)
			}
			if h := closest(name, cands); h != "" {
				d.WithHint("did you mean '%s'?", h)
			}
			return nil
		}
		base = lang.IntType(ci.size, ci.signed)
	}
	t := base
	for range te.Ptr {
		t = lang.PtrTo(t)
	}
	// Dimensions wrap from the innermost out: int m[2][3] is an array of
	// 2 arrays of 3 ints; a member's innermost char[N] is a string.
	dims := append([]int{te.ArrayLen}, te.InnerDims...)
	for i := len(dims) - 1; i >= 0 && te.ArrayLen > 0; i-- {
		if i == len(dims)-1 && member && t.Kind == lang.KindInt && t.Size == 1 && te.Ptr == 0 && name == "char" {
			t = lang.StrType(dims[i])
			continue
		}
		t = &lang.Type{Kind: lang.KindArray, Elem: t, Len: dims[i], Size: t.Size * dims[i]}
	}
	return t
}

// lookupRecord finds a struct or union by name: the script's own first,
// then the kernel's through the Env.
func (c *checker) lookupRecord(name string) *lang.Type {
	if t := c.info.Structs[name]; t != nil {
		return t
	}
	if name == "" || name == opaqueArgs {
		return nil
	}
	if t, _ := c.opts.Env.Struct(name); t != nil {
		return t
	}
	return nil
}

// checkCDefs turns the script's struct, union and enum definitions into
// record types and constants.
func (c *checker) checkCDefs(defs []*lang.CDef) {
	for _, d := range defs {
		switch d.Kind {
		case "enum":
			for _, e := range d.Enumerators {
				if _, dup := c.enums[e.Name]; dup {
					c.errorf(e, "Enumerator '%s' is defined twice", e.Name)
				}
				c.enums[e.Name] = e.Value
			}
		case "struct", "union":
			name := d.Kind + " " + d.Name
			if c.info.Structs[name] != nil {
				c.errorf(d, "%s is defined twice", name)
				continue
			}
			// Register the record before laying it out so members can
			// point to it (struct list { struct list *next; }).
			rec := &lang.Type{Kind: lang.KindRecord, Name: name}
			c.info.Structs[name] = rec
			if !c.layout(d, rec) {
				delete(c.info.Structs, name)
			}
		default:
			panic("BUG: sema: unknown C definition kind " + d.Kind)
		}
	}
}

// layout computes the C layout of a struct or union (System V x86-64 and
// arm64 rules): members aligned to their natural alignment, bitfields packed
// into units of their declared type, size rounded to the largest alignment.
func (c *checker) layout(d *lang.CDef, rec *lang.Type) bool {
	name := rec.Name
	off, bitOff, maxAlign, size := 0, 0, 1, 0 // bitOff: bits used in the byte stream
	for _, f := range d.Fields {
		t := c.resolveType(f.Type, true)
		if t == nil || t.Kind == lang.KindNone {
			return false
		}
		if t.Kind == lang.KindRecord && (t.Fields == nil || t == rec) {
			c.errorf(f, "Field '%s' has incomplete type '%s'", f.Name, t)
			return false
		}
		if rec.Member(f.Name) != nil && f.Name != "" {
			c.errorf(f, "Duplicate member '%s' in %s", f.Name, name)
			return false
		}
		align := alignOf(t)
		maxAlign = max(maxAlign, align)
		m := &lang.Member{Name: f.Name, Type: t}
		switch {
		case d.Kind == "union":
			m.Offset = 0
			if f.Bits > 0 {
				m.BitSize = f.Bits
			}
			size = max(size, t.Size)
		case f.Bits > 0:
			if !t.IsInt() || f.Bits > t.Size*8 {
				c.errorf(f, "Invalid bitfield width %d for type '%s'", f.Bits, t)
				return false
			}
			unitBits := t.Size * 8
			// Start a new unit when the field would straddle one.
			if bitOff/unitBits != (bitOff+f.Bits-1)/unitBits {
				bitOff = (bitOff + unitBits - 1) / unitBits * unitBits
			}
			unit := bitOff / unitBits * t.Size
			m.Offset = unit
			m.BitOff = bitOff - unit*8
			m.BitSize = f.Bits
			bitOff += f.Bits
			off = (bitOff + 7) / 8
		default:
			off = (max(off, (bitOff+7)/8) + align - 1) / align * align
			m.Offset = off
			off += t.Size
			bitOff = off * 8
		}
		rec.Fields = append(rec.Fields, m)
	}
	if d.Kind != "union" {
		size = max(off, (bitOff+7)/8)
	}
	rec.Size = (size + maxAlign - 1) / maxAlign * maxAlign
	if rec.Fields == nil {
		rec.Fields = []*lang.Member{} // known and empty, not opaque
	}
	return true
}

// alignOf is a type's natural alignment.
func alignOf(t *lang.Type) int {
	switch t.Kind {
	case lang.KindArray:
		return alignOf(t.Elem)
	case lang.KindStr:
		return 1
	case lang.KindRecord:
		a := 1
		for _, f := range t.Fields {
			a = max(a, alignOf(f.Type))
		}
		return a
	case lang.KindInt, lang.KindBool, lang.KindPtr:
		return max(1, t.Size)
	}
	return 8
}
