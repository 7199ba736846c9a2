package flame

import (
	"path"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Kind tells what a frame stands for; flame graphs colour by it.
type Kind uint8

const (
	KindKey    Kind = iota // a key part that is not a stack (comm, pid), or a map name
	KindUser               // a user-space function
	KindKernel             // a kernel function
)

// Frame is one element of a folded path.
type Frame struct {
	Name string
	Kind Kind
	// Src is the stack frame this one was made from (address, mapping),
	// nil for key parts.
	Src *output.Frame
}

// Sample is one map entry folded: its frames, root first, and its value.
type Sample struct {
	Frames []Frame
	Value  uint64
}

// Foldable reports whether a map with these key part kinds and this value
// kind folds into stacks: a key holding a kernel or user stack, and a value
// that adds up (count, sum or a plain integer). It is the one rule for
// -f folded, --flamegraph and --pprof, used on checked types before a run
// and on the maps read after it.
func Foldable(keys []lang.Kind, value lang.Kind) bool {
	switch value {
	case lang.KindCount, lang.KindSum, lang.KindInt:
	default:
		return false
	}
	for _, k := range keys {
		if k == lang.KindKStack || k == lang.KindUStack {
			return true
		}
	}
	return false
}

// FoldableType is Foldable for a map's checked key type (nil for a scalar
// map, a tuple for several key parts) and value type.
func FoldableType(key, value *lang.Type) bool {
	if key == nil || value == nil {
		return false
	}
	parts := []*lang.Type{key}
	if key.Kind == lang.KindTuple {
		parts = key.Elems
	}
	kinds := make([]lang.Kind, len(parts))
	for i, p := range parts {
		kinds[i] = p.Kind
	}
	return Foldable(kinds, value.Kind)
}

// FoldableMap is Foldable for a map read from the kernel.
func FoldableMap(m *output.Map) bool {
	if m.Scalar {
		return false
	}
	if len(m.Entries) == 0 {
		// Nothing to learn the key from; nothing to draw either.
		return false
	}
	key := m.Entries[0].Key
	kinds := make([]lang.Kind, len(key))
	for i, k := range key {
		kinds[i] = k.Kind
	}
	return Foldable(kinds, m.Kind)
}

// Fold reads the entries of a foldable map into samples, in entry order.
// Entries whose value is zero or negative are left out: they have no width.
func Fold(m *output.Map) []Sample {
	// Every sample's frames are carved out of one array: a 50k-stack map
	// is then one allocation, not 50k.
	n := 0
	for i := range m.Entries {
		n += pathLen(m.Entries[i].Key)
	}
	buf := make([]Frame, 0, n)
	out := make([]Sample, 0, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		v, ok := value(e.Value)
		if !ok {
			continue
		}
		start := len(buf)
		buf = appendFrames(buf, e.Key)
		out = append(out, Sample{Frames: buf[start:len(buf):len(buf)], Value: v})
	}
	return out
}

// FoldAll folds every foldable map of ms (see foldRooted).
func FoldAll(ms []*output.Map) []Sample {
	n := countFoldable(ms)
	var out []Sample
	for _, m := range ms {
		if FoldableMap(m) {
			out = append(out, foldRooted(m, n > 1)...)
		}
	}
	return out
}

func countFoldable(ms []*output.Map) int {
	n := 0
	for _, m := range ms {
		if FoldableMap(m) {
			n++
		}
	}
	return n
}

// foldRooted folds m, starting each sample with the map's name when
// several maps are folded together: one graph then shows them side by
// side, and no two maps' counts merge into one frame.
func foldRooted(m *output.Map, rooted bool) []Sample {
	ss := Fold(m)
	if rooted {
		root := Frame{Name: m.Name, Kind: KindKey}
		for i := range ss {
			ss[i].Frames = append([]Frame{root}, ss[i].Frames...)
		}
	}
	return ss
}

// value is a map value as a width: count() and unsigned sums as they are,
// signed values only when positive.
func value(v output.Value) (uint64, bool) {
	if v.Signed && int64(v.Int) < 0 {
		return 0, false
	}
	return v.Int, v.Int != 0
}

// EmptyStack is the one frame of a key without any (@[kstack] of a sample
// taken in user mode): a folded line needs a path, and the folded lines,
// the flame graph and the profile show the same frames.
const EmptyStack = "[empty stack]"

// pathLen is the number of frames appendFrames appends for key.
func pathLen(key []output.Value) int {
	n := 0
	for _, k := range key {
		if k.Kind == lang.KindKStack || k.Kind == lang.KindUStack {
			if k.Stack != nil {
				n += len(k.Stack.Frames)
			}
		} else {
			n++
		}
	}
	return max(n, 1) // EmptyStack
}

// appendFrames lays out one key as a path: the non-stack parts in key
// order, then the user stacks, then the kernel stacks, each stack reversed
// to put its outermost frame first; EmptyStack when that is nothing.
func appendFrames(out []Frame, key []output.Value) []Frame {
	start := len(out)
	for _, k := range key {
		if k.Kind != lang.KindKStack && k.Kind != lang.KindUStack {
			out = append(out, Frame{Name: clean(output.KeyText(k)), Kind: KindKey})
		}
	}
	for _, kind := range []lang.Kind{lang.KindUStack, lang.KindKStack} {
		for _, k := range key {
			if k.Kind != kind || k.Stack == nil {
				continue
			}
			fk := KindUser
			if kind == lang.KindKStack {
				fk = KindKernel
			}
			fs := k.Stack.Frames
			for i := len(fs) - 1; i >= 0; i-- {
				out = append(out, Frame{Name: frameName(&fs[i]), Kind: fk, Src: &fs[i]})
			}
		}
	}
	if len(out) == start {
		out = append(out, Frame{Name: EmptyStack, Kind: KindKey})
	}
	return out
}

// frameName is a frame's function without its offset, so that samples at
// different places in one function merge. An address that did not resolve
// is named after its file ("[libfoo.so]", "[vdso]"), as perf names it, or
// by its address when not even the file is known.
func frameName(f *output.Frame) string {
	switch {
	case f.Sym != "":
		return clean(f.Sym)
	case strings.HasPrefix(f.Module, "["): // [vdso]
		return clean(f.Module)
	case f.Module != "":
		return "[" + clean(path.Base(f.Module)) + "]"
	}
	return "0x" + strconv.FormatUint(f.Addr, 16)
}

// clean keeps a name from breaking a folded line: ';' separates frames and
// a line ends at a newline.
func clean(s string) string {
	for i := 0; i < len(s); i++ { // a byte loop: this runs once per frame
		if s[i] == ';' || s[i] == '\n' {
			return strings.NewReplacer(";", ":", "\n", " ").Replace(s)
		}
	}
	return s
}
