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

// sortKey is an entry reduced to what orders it: the value and the key
// as unsigned numbers that compare as the originals do, and the index.
type sortKey struct {
	v, k uint64
	i    int32
}

// sortedFast sorts the common maps, whose key is one integer or string (or
// none) and whose value is an integer or a histogram, by keys copied into
// one array: comparisons then touch neither the entries nor their key
// slices (100k entries sort in a few ms instead of tens). A string key is
// ordered by its first 8 bytes in the array and by the whole string (kept
// beside it) only when those are equal. It returns nil for other maps. It
// visits the entries one at a time (Map.entry): a lazy map stays
// undecoded.
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
		return nil
	}
	keys := make([]sortKey, n)
	var strs []string // the string keys, when the key is one string
	for i := range n {
		e := m.entry(i)
		sk := sortKey{i: int32(i)}
		switch {
		case len(e.Key) == 0:
		case len(e.Key) == 1 && (e.Key[0].Kind == lang.KindInt || e.Key[0].Kind == lang.KindBool || e.Key[0].Kind == lang.KindPtr):
			sk.k = e.Key[0].Int // compareKeys orders integer keys unsigned
		case len(e.Key) == 1 && e.Key[0].Kind == lang.KindStr:
			if strs == nil {
				strs = make([]string, n)
			}
			strs[i] = e.Key[0].Str
			sk.k = stringPrefix(strs[i])
		default:
			return nil
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
		if strs != nil {
			if c := strings.Compare(strs[a.i], strs[b.i]); c != 0 {
				return c
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
