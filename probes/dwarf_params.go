package probes

import (
	"debug/dwarf"

	"github.com/gtrace/gtrace/internal/safefile"
	"github.com/gtrace/gtrace/internal/symbols"
)

// uprobeParams returns the `-lv` lines of a uprobe: its function's
// parameters ("const char* s") from the binary's DWARF, or from its
// separate debug file. Nothing when there is no debug information, for
// C++ functions (their DWARF names are not their ELF names, so bpftrace
// 0.17 finds none either) and for functions without parameters.
func uprobeParams(k *Kernel, name string) []string {
	path, fn, ok := cutLastColon(name)
	if !ok {
		return nil
	}
	ef, err := k.elfFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, prm := range ef.dwarfParams(fn) {
		tname := unknownType
		if prm.typ != nil {
			tname = dwarfTypeName(prm.typ)
		}
		out = append(out, tname+" "+prm.name)
	}
	return out
}

// dwarfParam is one formal parameter of a function in DWARF; typ is nil
// when DWARF does not say.
type dwarfParam struct {
	name string
	typ  dwarf.Type
}

// dwarfParams returns the parameters of function fn, reading the file's
// DWARF on first use.
func (f *elfFile) dwarfParams(fn string) []dwarfParam {
	return f.params()[fn]
}

func cutLastColon(s string) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// readDWARFParams maps each function defined in path's DWARF to its
// parameters.
func readDWARFParams(path string) map[string][]dwarfParam {
	sf, err := safefile.OpenELF(path)
	if err != nil {
		return nil
	}
	defer sf.Close()
	f := sf.File
	d, err := f.DWARF()
	if err != nil {
		df := symbols.OpenDebugFile(f, path)
		if df == nil {
			return nil
		}
		defer df.Close()
		if d, err = df.DWARF(); err != nil {
			return nil
		}
	}
	out := map[string][]dwarfParam{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag != dwarf.TagSubprogram {
			continue
		}
		if !e.Children {
			continue
		}
		// A definition has code (low_pc); an out-of-line copy of an
		// inline function takes its name and parameters' names from its
		// abstract origin.
		_, hasCode := e.Val(dwarf.AttrLowpc).(uint64)
		name, _ := e.Val(dwarf.AttrName).(string)
		if name == "" {
			if origin, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
				name = entryName(d, origin)
			}
		}
		params := readParams(d, r)
		if !hasCode || name == "" {
			continue
		}
		if _, dup := out[name]; !dup {
			out[name] = params
		}
	}
	return out
}

// readParams reads the children of the subprogram r has just returned,
// leaving r after them, and returns its formal parameters.
func readParams(d *dwarf.Data, r *dwarf.Reader) []dwarfParam {
	var out []dwarfParam
	for depth := 1; depth > 0; {
		e, err := r.Next()
		if err != nil || e == nil {
			return out
		}
		if e.Tag == 0 {
			depth--
			continue
		}
		if depth == 1 && e.Tag == dwarf.TagFormalParameter {
			name, _ := e.Val(dwarf.AttrName).(string)
			typ, hasType := e.Val(dwarf.AttrType).(dwarf.Offset)
			if origin, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok && (name == "" || !hasType) {
				if oe := entryAt(d, origin); oe != nil {
					if name == "" {
						name, _ = oe.Val(dwarf.AttrName).(string)
					}
					if !hasType {
						typ, hasType = oe.Val(dwarf.AttrType).(dwarf.Offset)
					}
				}
			}
			prm := dwarfParam{name: name}
			if hasType {
				if t, err := d.Type(typ); err == nil {
					prm.typ = t
				}
			}
			out = append(out, prm)
		}
		if e.Children {
			depth++
		}
	}
	return out
}

func entryAt(d *dwarf.Data, off dwarf.Offset) *dwarf.Entry {
	r := d.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil {
		return nil
	}
	return e
}

func entryName(d *dwarf.Data, off dwarf.Offset) string {
	if e := entryAt(d, off); e != nil {
		name, _ := e.Val(dwarf.AttrName).(string)
		return name
	}
	return ""
}

// unknownType is what bpftrace 0.17 prints for a type it does not name.
const unknownType = "<unknown type>"

// dwarfTypeName names a parameter's type as bpftrace 0.17 prints it in -lv:
// C spelling with '*' against the type ("const char*", "struct point*
// const"); function pointers, arrays, volatile and restrict are "<unknown
// type>" to it.
func dwarfTypeName(t dwarf.Type) string {
	switch t := t.(type) {
	case *dwarf.PtrType:
		if _, ok := t.Type.(*dwarf.VoidType); ok {
			return "void*"
		}
		return dwarfTypeName(t.Type) + "*"
	case *dwarf.QualType:
		if t.Qual != "const" {
			return unknownType
		}
		if _, ok := t.Type.(*dwarf.PtrType); ok {
			return dwarfTypeName(t.Type) + " const"
		}
		return "const " + dwarfTypeName(t.Type)
	case *dwarf.TypedefType:
		return t.Name
	case *dwarf.StructType:
		if t.StructName == "" {
			return t.Kind + " <anonymous>"
		}
		return t.Kind + " " + t.StructName
	case *dwarf.EnumType:
		if t.EnumName == "" {
			return "enum <anonymous>"
		}
		return "enum " + t.EnumName
	case *dwarf.VoidType, *dwarf.FuncType, *dwarf.ArrayType, *dwarf.UnspecifiedType:
		return unknownType
	}
	if name := t.Common().Name; name != "" {
		return name
	}
	return unknownType
}
