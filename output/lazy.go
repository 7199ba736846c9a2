package output

import (
	"sync"

	"github.com/gtrace/gtrace/lang"
)

// EntrySource hands out the entries of a map one at a time, decoding each
// from a compact form (the bytes the kernel returned) when it is asked
// for. A map of 1M keys printed from its source never holds 1M decoded
// entries at once: an Entry and its key part are ~230 bytes, the kernel's
// bytes of an integer key and a count 16.
type EntrySource interface {
	// Len is the number of entries.
	Len() int
	// Entry decodes entry i (0 <= i < Len) into *e. The key parts may
	// live in storage the source reuses at its next call, so e is only
	// valid until then.
	Entry(i int, e *Entry)
}

// lazyEntries is where a lazy map's entries come from, and the guard of
// their one decoding into Map.Entries.
type lazyEntries struct {
	src     EntrySource
	once    sync.Once
	scratch Entry // what entry() decodes into
}

// LazyMap returns a map whose entries stay in src until they are needed:
// the renderers of this package print them from src one by one (decoding
// them all only when their order needs the general sort: a key part that
// is neither an integer nor a string), and Decode fills Entries. Until Decode,
// Entries is nil: give a lazy map only to code that calls Decode first, or
// to this package's renderers.
func LazyMap(name string, kind lang.Kind, scalar bool, src EntrySource) *Map {
	return &Map{Name: name, Kind: kind, Scalar: scalar, lazy: &lazyEntries{src: src}}
}

// Decode fills Entries of a lazy map from its source, once, and returns m.
// It does nothing to a map made with its Entries. It is safe to call from
// several goroutines.
func (m *Map) Decode() *Map {
	l := m.lazy
	if l == nil {
		return m
	}
	l.once.Do(func() {
		n := l.src.Len()
		entries := make([]Entry, n)
		var keys []Value
		var e Entry
		for i := range entries {
			l.src.Entry(i, &e)
			if i == 0 && len(e.Key) > 0 {
				keys = make([]Value, 0, n*len(e.Key))
			}
			start := len(keys)
			keys = append(keys, e.Key...)
			entries[i] = Entry{Value: e.Value}
			if e.Key != nil {
				entries[i].Key = keys[start:len(keys):len(keys)]
			}
		}
		m.Entries = entries
	})
	return m
}

// len is the number of entries, decoded or not.
func (m *Map) len() int {
	if m.lazy != nil && m.Entries == nil {
		return m.lazy.src.Len()
	}
	return len(m.Entries)
}

// entry returns entry i: the decoded one, or for a lazy map not yet
// decoded, the entry decoded into scratch storage that the next call
// reuses. Only the goroutine that prints the map may call it.
func (m *Map) entry(i int) *Entry {
	if m.lazy != nil && m.Entries == nil {
		m.lazy.src.Entry(i, &m.lazy.scratch)
		return &m.lazy.scratch
	}
	return &m.Entries[i]
}

// TakesLazyMaps reports whether r is one of this package's renderers,
// which print a lazy map as it is (decoding it themselves when they need
// every entry at once). Maps for any other renderer must be decoded.
func TakesLazyMaps(r Renderer) bool {
	switch r.(type) {
	case *Text, *JSON, *Table:
		return true
	}
	return false
}
