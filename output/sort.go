package output

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// sortedIndex returns the indexes of the entries of m in bpftrace's print
// order, keeping only the last top of them when top > 0 (print(@m, top)
// shows the largest).
//
// Order (v0.17 BPFtrace::print_map): count/sum/min/max/int values ascending
// by value; avg and stats by average; hist and lhist by the total of their
// buckets; every other value kind by key. bpftrace leaves the order of equal
// values to std::sort over the kernel's hash order, which is unspecified;
// gtrace breaks ties by key so that output is reproducible.
//
// No entry is copied or moved (an Entry is large, and there may be 1M of
// them). All values of a map share one signedness, so the first entry's
// decides. A lazy map is decoded only when its order needs more than the
// fast sort.
func sortedIndex(m *Map, top uint64) []int32 {
	idx := sortedFast(m)
	if idx == nil {
		idx = sortedGeneral(m.Decode())
	}
	if top > 0 && uint64(len(idx)) > top {
		idx = idx[uint64(len(idx))-top:]
	}
	return idx
}

func histTotal(v Value) uint64 {
	var t uint64
	if v.Hist != nil {
		for _, c := range v.Hist.Buckets {
			t += c
		}
	}
	return t
}

// sortedGeneral sorts the indexes of any map's entries.
func sortedGeneral(m *Map) []int32 {
	// Sort indexes with an unstable sort and the index as the last tie
	// breaker: as stable as a stable sort, and several times faster on
	// 100k entries.
	idx := make([]int32, len(m.Entries))
	for i := range idx {
		idx[i] = int32(i)
	}
	es := m.Entries
	byKey := func(a, b int32) int {
		if c := compareKeys(es[a].Key, es[b].Key); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	switch m.Kind {
	case lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindInt, lang.KindBool:
		signed := len(es) > 0 && es[0].Value.Signed
		slices.SortFunc(idx, func(a, b int32) int {
			va, vb := &es[a].Value, &es[b].Value
			var c int
			if signed {
				c = cmp.Compare(va.int64(), vb.int64())
			} else {
				c = cmp.Compare(va.Int, vb.Int)
			}
			if c != 0 {
				return c
			}
			return byKey(a, b)
		})
	case lang.KindAvg, lang.KindStats:
		slices.SortFunc(idx, func(a, b int32) int {
			if c := cmp.Compare(es[a].Value.Average(), es[b].Value.Average()); c != 0 {
				return c
			}
			return byKey(a, b)
		})
	case lang.KindHist, lang.KindLhist:
		totals := make([]uint64, len(es))
		for i := range es {
			totals[i] = histTotal(es[i].Value)
		}
		slices.SortFunc(idx, func(a, b int32) int {
			if c := cmp.Compare(totals[a], totals[b]); c != 0 {
				return c
			}
			return byKey(a, b)
		})
	default:
		slices.SortFunc(idx, byKey)
	}
	return idx
}

// sortKey is an entry reduced to what orders it: the value and the key's
// first part as unsigned numbers that compare as the originals do, and the
// index.
type sortKey struct {
	v, k uint64
	i    int32
}

// keyColumn holds one key part of every entry where sortKey cannot: a
// string part whole (k has only its first 8 bytes), an integer part after
// the first.
type keyColumn struct {
	ints []uint64
	strs []string
}

// sortedFast sorts the common maps, whose key parts are integers or
// strings (or none) and whose value is an integer, a histogram, avg or
// stats, by keys copied into one array: comparisons then touch neither
// the entries nor their key slices (100k entries sort in a few ms instead
// of tens). The array has the value and the key's first part (a string's
// first 8 bytes); whole strings and further parts are kept beside it in
// columns, read only on ties. It returns nil for other maps. It visits the
// entries one at a time (Map.entry): a lazy map stays undecoded.
func sortedFast(m *Map) []int32 {
	n := m.len()
	byValue := false
	var totals func(e *Entry) uint64
	switch m.Kind {
	case lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindInt, lang.KindBool:
		byValue = true
		signed := n > 0 && m.entry(0).Value.Signed
		totals = func(e *Entry) uint64 {
			if signed {
				return e.Value.Int ^ 1<<63 // two's complement order as unsigned
			}
			return e.Value.Int
		}
	case lang.KindHist, lang.KindLhist:
		byValue = true
		totals = func(e *Entry) uint64 { return histTotal(e.Value) }
	case lang.KindAvg, lang.KindStats:
		byValue = true
		totals = func(e *Entry) uint64 { return uint64(e.Value.Average()) ^ 1<<63 }
	}
	keys := make([]sortKey, n)
	var cols []keyColumn // by key part
	for i := range n {
		e := m.entry(i)
		if i == 0 {
			cols = make([]keyColumn, len(e.Key))
		}
		if len(e.Key) != len(cols) {
			return nil
		}
		sk := sortKey{i: int32(i)}
		for p, part := range e.Key {
			c := &cols[p]
			var k uint64
			switch part.Kind {
			case lang.KindInt, lang.KindBool, lang.KindPtr:
				k = part.Int // compareKeys orders integer keys unsigned
				if p > 0 {
					if c.ints == nil {
						c.ints = make([]uint64, n)
					}
					c.ints[i] = k
				}
			case lang.KindStr:
				if c.strs == nil {
					c.strs = make([]string, n)
				}
				c.strs[i] = part.Str
				k = stringPrefix(part.Str)
			default:
				return nil
			}
			if p == 0 {
				sk.k = k
			}
		}
		if byValue {
			sk.v = totals(e)
		}
		keys[i] = sk
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.v != b.v {
			return cmp.Compare(a.v, b.v)
		}
		if a.k != b.k {
			return cmp.Compare(a.k, b.k)
		}
		for p := range cols {
			c := &cols[p]
			r := 0
			switch {
			case c.strs != nil:
				r = strings.Compare(c.strs[a.i], c.strs[b.i])
			case c.ints != nil:
				r = cmp.Compare(c.ints[a.i], c.ints[b.i])
			}
			if r != 0 {
				return r
			}
		}
		return cmp.Compare(a.i, b.i)
	})
	idx := make([]int32, len(keys))
	for i := range keys {
		idx[i] = keys[i].i
	}
	return idx
}

// stringPrefix is the first 8 bytes of s as a big-endian number, zero
// padded: prefixes order as the strings do (bytewise), and equal prefixes
// leave the order to the whole strings.
func stringPrefix(s string) uint64 {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}

// compareKeys orders keys as v0.17's sort_by_key does: part by part, ints
// compared as unsigned (so -5 sorts after 100), strings bytewise (strncmp);
// parts of other kinds (stacks, symbols, ...) do not take part.
func compareKeys(a, b []Value) int {
	for i := range min(len(a), len(b)) {
		var c int
		switch a[i].Kind {
		case lang.KindInt, lang.KindBool, lang.KindPtr:
			c = cmp.Compare(a[i].Int, b[i].Int)
		case lang.KindStr:
			c = strings.Compare(a[i].Str, b[i].Str)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// sortMaps orders maps by name, as bpftrace prints them at exit.
func sortMaps(ms []*Map) []*Map {
	out := slices.Clone(ms)
	slices.SortStableFunc(out, func(a, b *Map) int { return strings.Compare(a.Name, b.Name) })
	return out
}
