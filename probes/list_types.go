package probes

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// typeSearch tells whether a -l search names kernel types ("struct path",
// "union *", "enum pid_type") rather than probes, and splits it.
func typeSearch(pattern string) (kind, glob string, ok bool) {
	for _, k := range []string{"struct", "union", "enum"} {
		if rest, found := strings.CutPrefix(pattern, k+" "); found {
			return k, strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}

// listTypes is `-l 'struct GLOB'`: the kernel's types of that kind whose
// names match, from BTF, sorted, as bpftrace lists them; verbose adds each
// one's definition in C.
func (k *Kernel) listTypes(kind, glob string, w io.Writer, verbose bool) error {
	spec, err := k.Spec()
	if err != nil {
		return fmt.Errorf("listing kernel types needs BTF: %w", err)
	}
	found := map[string]btf.Type{}
	for t, err := range spec.All() {
		if err != nil {
			return err
		}
		var name string
		switch t := t.(type) {
		case *btf.Struct:
			if kind == "struct" {
				name = t.Name
			}
		case *btf.Union:
			if kind == "union" {
				name = t.Name
			}
		case *btf.Enum:
			if kind == "enum" {
				name = t.Name
			}
		}
		if name == "" || !Match(glob, name) {
			continue
		}
		if _, dup := found[name]; !dup {
			found[name] = t
		}
	}
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		if !verbose {
			fmt.Fprintf(&b, "%s %s\n", kind, n)
			continue
		}
		b.WriteString(cBody(found[n], 0))
		b.WriteString(";\n\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// cBody writes a struct, union or enum with its members, indented depth
// tabs inside.
func cBody(t btf.Type, depth int) string {
	var b strings.Builder
	in := strings.Repeat("\t", depth+1)
	head := func(kw, name string) {
		b.WriteString(kw)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString(" {\n")
	}
	switch t := t.(type) {
	case *btf.Struct:
		head("struct", t.Name)
		end := writeMembers(&b, t.Members, in, depth)
		// A struct that ends in a hole (cache-line alignment) shows it.
		writePadding(&b, in, end, int(t.Size)*8, membersAlign(t.Members), false)
	case *btf.Union:
		head("union", t.Name)
		writeMembers(&b, t.Members, in, depth)
	case *btf.Enum:
		head("enum", t.Name)
		for _, v := range t.Values {
			if t.Signed {
				fmt.Fprintf(&b, "%s%s = %d,\n", in, v.Name, int64(v.Value))
			} else {
				fmt.Fprintf(&b, "%s%s = %d,\n", in, v.Name, v.Value)
			}
		}
	}
	b.WriteString(strings.Repeat("\t", depth) + "}")
	if e, ok := t.(*btf.Enum); ok && e.Size == 1 {
		b.WriteString(" __attribute__((mode(byte)))")
	}
	return b.String()
}

func isPointer(t btf.Type) bool {
	_, ok := t.(*btf.Pointer)
	return ok
}

// writeMembers writes the members and returns the bit offset after the
// last one.
func writeMembers(b *strings.Builder, ms []btf.Member, in string, depth int) int {
	end := 0 // bit offset after the previous member
	prevBitfield := false
	for _, m := range ms {
		off := int(m.Offset)
		// Between two bit-fields the hole is written with its width.
		writePadding(b, in, end, off, typeAlign(m.Type), prevBitfield && m.BitfieldSize > 0)
		prevBitfield = m.BitfieldSize > 0
		if prevBitfield {
			end = off + int(m.BitfieldSize)
		} else if sz, err := btf.Sizeof(m.Type); err == nil {
			end = off + sz*8
		} else {
			end = off
		}
		b.WriteString(in)
		b.WriteString(cDecl(m.Type, m.Name, depth+1))
		if m.BitfieldSize > 0 {
			fmt.Fprintf(b, ": %d", m.BitfieldSize)
		}
		b.WriteString(";\n")
	}
	return end
}

// cDecl writes the C declaration of name with type t: the declarator grows
// around the name (pointers, arrays, function prototypes) as C reads it.
func cDecl(t btf.Type, name string, depth int) string {
	join := func(base, decl string) string {
		if decl == "" {
			return base
		}
		if strings.HasPrefix(decl, "*") {
			return base + " " + decl
		}
		return base + " " + decl
	}
	switch t := t.(type) {
	case *btf.Pointer:
		d := "*" + name
		switch t.Target.(type) {
		case *btf.Array, *btf.FuncProto:
			d = "(" + d + ")"
		}
		return cDecl(t.Target, d, depth)
	case *btf.Array:
		return cDecl(t.Type, fmt.Sprintf("%s[%d]", name, t.Nelems), depth)
	case *btf.FuncProto:
		params := make([]string, 0, len(t.Params))
		for _, p := range t.Params {
			params = append(params, cDecl(p.Type, "", depth))
		}
		// The return type is written whole, then the declarator:
		// "struct sk_buff * (*dequeue)(struct Qdisc *)".
		return cDecl(t.Return, "", depth) + " " + name + "(" + strings.Join(params, ", ") + ")"
	case *btf.Const:
		if isPointer(t.Type) {
			return cDecl(t.Type, " const "+name, depth) // char * const p
		}
		return "const " + cDecl(t.Type, name, depth)
	case *btf.Volatile:
		if isPointer(t.Type) {
			return cDecl(t.Type, " volatile "+name, depth)
		}
		return "volatile " + cDecl(t.Type, name, depth)
	case *btf.Restrict:
		return cDecl(t.Type, name, depth)
	case *btf.TypeTag:
		return cDecl(t.Type, name, depth)
	case *btf.Struct:
		if t.Name == "" {
			return join(cBody(t, depth), name)
		}
		return join("struct "+t.Name, name)
	case *btf.Union:
		if t.Name == "" {
			return join(cBody(t, depth), name)
		}
		return join("union "+t.Name, name)
	case *btf.Enum:
		if t.Name == "" {
			return join(cBody(t, depth), name)
		}
		return join("enum "+t.Name, name)
	case *btf.Fwd:
		return join(t.Kind.String()+" "+t.Name, name)
	case *btf.Typedef:
		return join(t.Name, name)
	case *btf.Int:
		return join(t.Name, name)
	case *btf.Float:
		return join(t.Name, name)
	case *btf.Void:
		return join("void", name)
	}
	return join(t.TypeName(), name)
}

// padTypes fill holes between members the way C headers generated from
// BTF show them (`long: 64;`), largest first.
var padTypes = []struct {
	name string
	bits int
}{{"long", 64}, {"int", 32}, {"short", 16}, {"char", 8}}

func roundUp(n, to int) int { return (n + to - 1) / to * to }

// writePadding writes the anonymous bit-fields that make a hole from bit
// cur to bit next explicit, where C's natural alignment would not make it
// by itself: first one that aligns cur (when it is needed to land exactly
// on next), then whole units, then one smaller remainder.
func writePadding(b *strings.Builder, in string, cur, next, nextAlign int, inBitfield bool) {
	if cur >= next {
		return
	}
	name, bits, aligned := "", 0, 0
	for _, p := range padTypes {
		name, bits, aligned = p.name, p.bits, roundUp(cur, p.bits)
		if aligned <= next {
			break
		}
	}
	if aligned > cur && aligned <= next {
		needMark := inBitfield ||
			(aligned == next && roundUp(cur, nextAlign*8) != aligned) ||
			(aligned != next && next-aligned <= aligned-cur)
		if needMark {
			width := 0
			if inBitfield {
				width = aligned - cur
			}
			fmt.Fprintf(b, "%s%s: %d;\n", in, name, width)
		}
		cur = aligned
	}
	for cur < next {
		n := min(next-cur, bits)
		if n == bits {
			fmt.Fprintf(b, "%s%s: %d;\n", in, name, bits)
			cur += n
			continue
		}
		for i := len(padTypes) - 1; i >= 0; i-- {
			if padTypes[i].bits >= n {
				fmt.Fprintf(b, "%s%s: %d;\n", in, padTypes[i].name, n)
				break
			}
		}
		cur += n
	}
}

// typeAlign is the natural alignment of t in bytes.
func typeAlign(t btf.Type) int {
	switch t := t.(type) {
	case *btf.Typedef:
		return typeAlign(t.Type)
	case *btf.Const:
		return typeAlign(t.Type)
	case *btf.Volatile:
		return typeAlign(t.Type)
	case *btf.Restrict:
		return typeAlign(t.Type)
	case *btf.TypeTag:
		return typeAlign(t.Type)
	case *btf.Array:
		return typeAlign(t.Type)
	case *btf.Struct:
		return membersAlign(t.Members)
	case *btf.Union:
		return membersAlign(t.Members)
	}
	sz, err := btf.Sizeof(t)
	if err != nil || sz <= 0 {
		return 1
	}
	return min(sz, 8)
}

func membersAlign(ms []btf.Member) int {
	a := 1
	for _, m := range ms {
		a = max(a, typeAlign(m.Type))
	}
	return a
}
