package lang

import (
	"fmt"
	"strings"
)

// Kind is the kind of a value's type.
type Kind uint8

const (
	KindNone       Kind = iota // no value (statements, void calls)
	KindInt                    // integer of Size bytes, Signed or not
	KindBool                   // true/false (0.24+), stored as one byte
	KindStr                    // NUL-padded string of Size bytes
	KindBuf                    // buf(): length-prefixed bytes of Size capacity
	KindTuple                  // Elems
	KindRecord                 // struct/union value with Fields (args, script structs)
	KindPtr                    // pointer to Elem
	KindArray                  // Len elements of Elem
	KindKStack                 // kernel stack id (StackMode, StackDepth)
	KindUStack                 // user stack id
	KindKsym                   // kernel address printed as a symbol
	KindUsym                   // user address printed as a symbol
	KindInet                   // ntop() result
	KindUsername               // uid printed as a user name
	KindProbe                  // probe id printed as the probe name
	KindTimestamp              // strftime() value
	KindMacAddr                // macaddr() result
	KindCgroupPath             // cgroup_path() result
	KindStrerror               // strerror() value
	KindCount                  // aggregation values, only ever map values
	KindSum
	KindMin
	KindMax
	KindAvg
	KindStats
	KindHist
	KindLhist
)

var kindNames = [...]string{
	KindNone: "none", KindInt: "int", KindBool: "bool", KindStr: "string",
	KindBuf: "buffer", KindTuple: "tuple", KindRecord: "record", KindPtr: "pointer",
	KindArray: "array", KindKStack: "kstack", KindUStack: "ustack", KindKsym: "ksym",
	KindUsym: "usym", KindInet: "inet", KindUsername: "username", KindProbe: "probe",
	KindTimestamp: "timestamp", KindMacAddr: "mac_address", KindCgroupPath: "cgroup_path",
	KindStrerror: "strerror", KindCount: "count", KindSum: "sum", KindMin: "min",
	KindMax: "max", KindAvg: "avg", KindStats: "stats", KindHist: "hist", KindLhist: "lhist",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// IsAggregation reports whether values of this kind are produced by an
// aggregation function and can only live in maps.
func (k Kind) IsAggregation() bool { return k >= KindCount }

// Type is a checked value type. Types are compared with Equal, never with ==.
type Type struct {
	Kind   Kind
	Size   int  // bytes of the value (ints 1/2/4/8, strings their capacity)
	Signed bool // integers, and sum/min/max of signed values
	// User marks a pointer whose target is in user memory (pointer args
	// of syscall tracepoints, pointer casts in uprobes, uptr()), records and
	// arrays reached through one: gtrace reads them with
	// bpf_probe_read_user, everything else with bpf_probe_read_kernel.
	User bool

	Elems  []*Type   // tuple elements
	Elem   *Type     // pointer target, array element
	Len    int       // array length
	Name   string    // record name ("struct task_struct"), "" for anonymous
	Fields []*Member // record fields

	StackMode  string // one of StackModes, for stacks
	StackDepth int    // frames for stacks

	// CgroupFilter is cgroup_path's second argument: a wildcard over the
	// hierarchy names to print ("" for every one).
	CgroupFilter string

	// Lhist bounds (KindLhist), Hist bits (KindHist: hist(x, k)).
	Min, Max, Step int64
	Bits           int
}

// Member is one field of a record type.
type Member struct {
	Name    string
	Type    *Type
	Offset  int // bytes
	BitOff  int // bit offset within the containing unit, for bitfields
	BitSize int // 0 unless a bitfield
	DataLoc bool
}

// Common types.
var (
	None   = &Type{Kind: KindNone}
	Int64  = &Type{Kind: KindInt, Size: 8, Signed: true}
	Uint64 = &Type{Kind: KindInt, Size: 8}
	Int32  = &Type{Kind: KindInt, Size: 4, Signed: true}
	Uint32 = &Type{Kind: KindInt, Size: 4}
	Uint16 = &Type{Kind: KindInt, Size: 2}
	Uint8  = &Type{Kind: KindInt, Size: 1}
	Bool   = &Type{Kind: KindBool, Size: 1}
)

// IntType returns the integer type of the given size and signedness.
func IntType(size int, signed bool) *Type {
	return &Type{Kind: KindInt, Size: size, Signed: signed}
}

// StrType returns a string type of the given capacity (bytes including NUL).
func StrType(size int) *Type { return &Type{Kind: KindStr, Size: size} }

// PtrTo returns a pointer type to elem.
func PtrTo(elem *Type) *Type { return &Type{Kind: KindPtr, Size: 8, Elem: elem} }

// InUser returns t marked as living in (or, for a pointer, pointing
// into) user memory: t itself when it already is or cannot be, else a copy.
func InUser(t *Type) *Type {
	if t == nil || t.User || (t.Kind != KindPtr && t.Kind != KindRecord && t.Kind != KindArray) {
		return t
	}
	u := *t
	u.User = true
	return &u
}

// TupleOf returns the tuple type of the given elements. Its size is
// bpftrace's: each element aligned to its own alignment, the whole to the
// largest, so sizeof(((uint8)1, (uint64)2, "abc")) is 24.
func TupleOf(elems ...*Type) *Type {
	t := &Type{Kind: KindTuple, Elems: elems}
	size := 0
	for _, e := range elems {
		size = AlignUp(size, e.Align()) + e.Size
	}
	t.Size = AlignUp(size, t.Align())
	return t
}

// Align is the alignment of a value of type t inside a tuple or record:
// integers their size, strings and records 1, MAC addresses, inet and
// strftime() values 4, arrays their element's, tuples their largest
// element's, others 8.
func (t *Type) Align() int {
	switch t.Kind {
	case KindInt, KindBool:
		return max(t.Size, 1)
	case KindStr, KindNone:
		return 1
	case KindTimestamp, KindInet, KindMacAddr:
		// bpftrace 0.17 aligns its "byte array" kinds at 4:
		// sizeof(((int8)1, strftime("%H", 0))) is 20, with ntop() 28,
		// with macaddr() 12.
		return 4
	case KindArray:
		return t.Elem.Align()
	case KindTuple:
		a := 1
		for _, e := range t.Elems {
			a = max(a, e.Align())
		}
		return a
	case KindRecord:
		// bpftrace 0.17 places a struct in a tuple as an array of bytes:
		// sizeof(((int8)1, *(struct point *)0)) is 9.
		return 1
	}
	return 8
}

// AlignUp rounds n up to a multiple of a.
func AlignUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}

// IsInt reports whether t is an integer (or bool, which behaves as one).
func (t *Type) IsInt() bool { return t != nil && (t.Kind == KindInt || t.Kind == KindBool) }

// IsPtr reports whether t is a pointer.
func (t *Type) IsPtr() bool { return t != nil && t.Kind == KindPtr }

// Equal reports whether two types are the same for the purposes of a map's
// key or value: same kind and shape. String sizes and integer sizes are
// allowed to differ; the caller widens them.
func (t *Type) Equal(u *Type) bool {
	if t == nil || u == nil {
		return t == u
	}
	if t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case KindTuple:
		if len(t.Elems) != len(u.Elems) {
			return false
		}
		for i := range t.Elems {
			if !t.Elems[i].Equal(u.Elems[i]) {
				return false
			}
		}
	case KindPtr, KindArray:
		if t.Kind == KindArray && t.Len != u.Len {
			return false
		}
		return t.Elem.Equal(u.Elem)
	case KindRecord:
		return t.Name == u.Name
	case KindLhist:
		return t.Min == u.Min && t.Max == u.Max && t.Step == u.Step
	case KindHist:
		return t.Bits == u.Bits
	case KindKStack, KindUStack:
		return t.StackMode == u.StackMode && t.StackDepth == u.StackDepth
	}
	return true
}

// String renders the type the way bpftrace names types in its messages:
// `int64`, `unsigned int64`, `string[16]`, `(int64,string[2])`,
// `struct task_struct *`.
func (t *Type) String() string {
	if t == nil {
		return "none"
	}
	switch t.Kind {
	case KindInt:
		s := fmt.Sprintf("int%d", t.Size*8)
		if !t.Signed {
			s = "unsigned " + s
		}
		return s
	case KindStr:
		return fmt.Sprintf("string[%d]", t.Size)
	case KindBuf:
		return fmt.Sprintf("buffer[%d]", t.Size)
	case KindTuple:
		parts := make([]string, len(t.Elems))
		for i, e := range t.Elems {
			parts[i] = e.String()
		}
		return "(" + strings.Join(parts, ",") + ")"
	case KindRecord:
		if t.Name == "" {
			return "record"
		}
		return t.Name
	case KindPtr:
		if t.Elem == nil || t.Elem.Kind == KindNone {
			return "void *"
		}
		return t.Elem.String() + " *"
	case KindArray:
		return fmt.Sprintf("%s[%d]", t.Elem.String(), t.Len)
	case KindKStack, KindUStack:
		return t.Kind.String()
	}
	return t.Kind.String()
}

// Member returns the named field of a record type, or nil.
func (t *Type) Member(name string) *Member {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// StackModes are the ways kstack and ustack print (kstack(perf),
// BPFTRACE_STACK_MODE, config stack_mode), bpftrace's default first.
var StackModes = []string{"bpftrace", "perf", "raw", "build_id"}
