package flame

import (
	"strconv"

	"github.com/gtrace/gtrace/output"
)

// Since returns the growth of a map between two reads of it, before and
// after: each key of after with its value less the value it had before,
// the keys that did not grow left out. It is what a delta profile shows
// (the last N seconds of a run, as pull-based profilers ask for with
// /pprof?seconds=N). Keys are told apart by everything that prints of
// them, addresses and symbols of every frame included; keys that print
// the same (two processes running one binary) add up on both sides.
func Since(after, before *output.Map) *output.Map {
	was := map[string]uint64{}
	var key []byte
	if before != nil {
		for i := range before.Entries {
			e := &before.Entries[i]
			if v, ok := value(e.Value); ok {
				key = appendIdentity(key[:0], e.Key)
				was[string(key)] += v
			}
		}
	}
	out := &output.Map{Name: after.Name, Kind: after.Kind, Scalar: after.Scalar}
	// Keys that print the same are summed first, then compared.
	now := map[string]int{} // identity → index in out.Entries
	for i := range after.Entries {
		e := &after.Entries[i]
		v, ok := value(e.Value)
		if !ok {
			continue
		}
		key = appendIdentity(key[:0], e.Key)
		if j, seen := now[string(key)]; seen {
			out.Entries[j].Value.Int += v
			continue
		}
		now[string(key)] = len(out.Entries)
		ne := output.Entry{Key: e.Key, Value: e.Value}
		ne.Value.Int = v
		out.Entries = append(out.Entries, ne)
	}
	kept := out.Entries[:0]
	for _, e := range out.Entries {
		key = appendIdentity(key[:0], e.Key)
		if old := was[string(key)]; e.Value.Int > old {
			e.Value.Int -= old
			kept = append(kept, e)
		}
	}
	out.Entries = kept
	return out
}

// appendIdentity appends what tells one key from another: the text of its
// parts, and for stacks every frame's address, symbol and file.
func appendIdentity(b []byte, key []output.Value) []byte {
	for _, k := range key {
		if k.Stack == nil {
			b = append(b, output.KeyText(k)...)
			b = append(b, 0)
			continue
		}
		for _, f := range k.Stack.Frames {
			b = strconv.AppendUint(b, f.Addr, 16)
			b = append(b, ' ')
			b = append(b, f.Sym...)
			b = append(b, ' ')
			b = append(b, f.Module...)
			b = append(b, 0)
		}
		b = append(b, 1)
	}
	return b
}
