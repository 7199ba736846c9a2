package probes

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/gtrace/gtrace/lang"
)

var errNoBTF = fmt.Errorf("kernel BTF is not available (needs CONFIG_DEBUG_INFO_BTF, 5.2+, and /sys/kernel/btf/vmlinux): %w", btf.ErrNotFound)

// btfConverter turns BTF types into lang types on demand, one named type
// at a time: records are converted with their members, but a pointer's
// target record is left shallow (name and size, no fields) so that
// task_struct does not drag in half the kernel. The checker resolves a
// shallow record through Env.Struct when a script dereferences it.
type btfConverter struct {
	spec  *btf.Spec
	named map[string]*lang.Type // by requested name; nil value = unknown
	conv  map[btf.Type]*lang.Type
	enums map[string]int64 // every enumerator by name; built on first use (enums.go)
	// rawVmlinux tells that spec is the running kernel's BTF, so the
	// enumerator index may scan /sys/kernel/btf/vmlinux directly.
	rawVmlinux bool
}

func newBTFConverter(spec *btf.Spec) *btfConverter {
	return &btfConverter{spec: spec, named: map[string]*lang.Type{}, conv: map[btf.Type]*lang.Type{}}
}

// byName resolves "struct X", "union X", "enum X" or a typedef name.
func (c *btfConverter) byName(name string) (*lang.Type, error) {
	name = strings.Join(strings.Fields(name), " ")
	if t, ok := c.named[name]; ok {
		return t, nil
	}
	kind, bare := "", name
	for _, p := range []string{"struct ", "union ", "enum "} {
		if strings.HasPrefix(name, p) {
			kind, bare = strings.TrimSpace(p), strings.TrimPrefix(name, p)
		}
	}
	types, err := c.spec.AnyTypesByName(bare)
	if errors.Is(err, btf.ErrNotFound) {
		c.named[name] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var found btf.Type
	for _, t := range types {
		ok := false
		switch t.(type) {
		case *btf.Struct:
			ok = kind == "struct"
		case *btf.Union:
			ok = kind == "union"
		case *btf.Enum:
			ok = kind == "enum"
		case *btf.Typedef:
			ok = kind == ""
		}
		// vmlinux can hold several types of one name (one per
		// compilation unit); prefer one with members over a forward.
		if ok && (found == nil || btfSize(found) == 0) {
			found = t
		}
	}
	if found == nil {
		c.named[name] = nil
		return nil, nil
	}
	t := c.convert(found, true)
	c.named[name] = t
	return t, nil
}

func btfSize(t btf.Type) int {
	n, err := btf.Sizeof(t)
	if err != nil {
		return 0
	}
	return n
}

// convert returns the lang type of t. full asks for a record's members;
// pointer targets are converted with full=false.
func (c *btfConverter) convert(t btf.Type, full bool) *lang.Type {
	t = skipQualifiers(t)
	if lt, ok := c.conv[t]; ok && (lt.Kind != lang.KindRecord || lt.Fields != nil || !full) {
		return lt
	}
	switch v := t.(type) {
	case *btf.Typedef:
		return c.convert(v.Type, full)
	case *btf.Int:
		return lang.IntType(int(v.Size), v.Encoding&btf.Signed != 0)
	case *btf.Enum:
		return lang.IntType(int(v.Size), v.Signed)
	case *btf.Pointer:
		return lang.PtrTo(c.convert(v.Target, false))
	case *btf.Array:
		elem := c.convert(v.Type, full)
		if isBTFChar(v.Type) {
			// char arrays are strings (comm[16]), as in bpftrace.
			return lang.StrType(int(v.Nelems))
		}
		return &lang.Type{Kind: lang.KindArray, Elem: elem, Len: int(v.Nelems), Size: int(v.Nelems) * elem.Size}
	case *btf.Struct:
		return c.record("struct", v.Name, v.Size, v.Members, t, full)
	case *btf.Union:
		return c.record("union", v.Name, v.Size, v.Members, t, full)
	case *btf.Fwd:
		return &lang.Type{Kind: lang.KindRecord, Name: v.Kind.String() + " " + v.Name}
	case *btf.FuncProto, *btf.Void, *btf.Func:
		return lang.None
	case *btf.Float:
		// No float type in the language; keep the bytes as an integer.
		return lang.IntType(int(v.Size), false)
	}
	return lang.None
}

// isBTFChar reports whether t is plain C `char` (not u8/unsigned char,
// whose arrays stay byte arrays). BTF names it "char"; its encoding may or
// may not carry the Char bit, so go by name.
func isBTFChar(t btf.Type) bool {
	i, ok := skipQualifiers(btf.UnderlyingType(t)).(*btf.Int)
	return ok && i.Size == 1 && (i.Name == "char" || i.Name == "signed char")
}

func skipQualifiers(t btf.Type) btf.Type {
	for {
		switch v := t.(type) {
		case *btf.Const:
			t = v.Type
		case *btf.Volatile:
			t = v.Type
		case *btf.Restrict:
			t = v.Type
		case *btf.TypeTag:
			t = v.Type
		default:
			return t
		}
	}
}

func (c *btfConverter) record(kind, name string, size uint32, members []btf.Member, key btf.Type, full bool) *lang.Type {
	rec := c.conv[key]
	if rec == nil {
		rec = &lang.Type{Kind: lang.KindRecord, Size: int(size)}
		if name != "" {
			rec.Name = kind + " " + name
		}
		c.conv[key] = rec
	}
	// Anonymous records are always needed in full: nothing can look them
	// up by name later.
	if !full && name != "" {
		return rec
	}
	if rec.Fields != nil {
		return rec
	}
	rec.Fields = []*lang.Member{} // non-nil marks "converted" and stops recursion
	c.addMembers(rec, members, 0)
	return rec
}

// addMembers appends members at a base byte offset. Members of an
// anonymous struct or union are hoisted into the parent, as C lets
// task->__state reach through an unnamed union.
func (c *btfConverter) addMembers(rec *lang.Type, members []btf.Member, base int) {
	for _, m := range members {
		if m.Name == "" {
			switch v := skipQualifiers(m.Type).(type) {
			case *btf.Struct:
				c.addMembers(rec, v.Members, base+int(m.Offset)/8)
				continue
			case *btf.Union:
				c.addMembers(rec, v.Members, base+int(m.Offset)/8)
				continue
			}
		}
		// By-value records are needed in full: their members are
		// reached without a dereference.
		lt := c.convert(m.Type, true)
		mem := &lang.Member{Name: m.Name, Type: lt, Offset: base + int(m.Offset)/8}
		if m.BitfieldSize != 0 {
			// Address the bitfield through its storage unit (the
			// member type's size), aligned down, as a C compiler lays
			// it out; BitOff is the position within that unit.
			unit := lt.Size
			if unit <= 0 {
				unit = 1
			}
			bits := int(m.Offset)
			mem.Offset = base + bits/(unit*8)*unit
			mem.BitOff = bits - (bits/(unit*8))*unit*8
			mem.BitSize = int(m.BitfieldSize)
		}
		rec.Fields = append(rec.Fields, mem)
	}
}
