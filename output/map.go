package output

import "github.com/gtrace/gtrace/lang"

// Map is the contents of one bpftrace map, read and merged, ready to print.
type Map struct {
	Name string // with the '@': "@", "@bytes"
	// Kind is the value kind shared by all entries (lang.KindCount,
	// lang.KindHist, lang.KindStr, ...). It selects the sort order and
	// the layout, and must be set even when Entries is empty.
	Kind lang.Kind
	// Scalar maps have no key: they print as "@name: value".
	Scalar  bool
	Entries []Entry
	// lazy is where the entries of a LazyMap come from until Decode.
	lazy *lazyEntries
}

// Entry is one key/value pair. Key is nil for scalar maps.
type Entry struct {
	Key   []Value
	Value Value
}
