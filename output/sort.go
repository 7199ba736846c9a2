package output

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// sorted returns the entries of m in bpftrace's print order, keeping only
// the last top of them when top > 0 (print(@m, top) shows the largest).
//
// Order (v0.17 BPFtrace::print_map): count/sum/min/max/int values ascending
// by value; avg and stats by average; hist and lhist by the total of their
// buckets; every other value kind by key. bpftrace leaves the order of equal
// values to std::sort over the kernel's hash order, which is unspecified;
// gtrace breaks ties by key so that output is reproducible.
//
// The result is a new slice of pointers: m.Entries is left as it is, and no
// entry is copied (an Entry is large, and there may be 100k of them).
func sorted(m *Map, top uint64) []*Entry {
	es := make([]*Entry, len(m.Entries))
	for i := range m.Entries {
		es[i] = &m.Entries[i]
	}
	byKey := func(a, b *Entry) int { return compareKeys(a.Key, b.Key) }
	switch m.Kind {
	case lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindInt, lang.KindBool:
		slices.SortStableFunc(es, func(a, b *Entry) int {
			va, vb := a.Value, b.Value
			var c int
			if va.Signed {
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
		slices.SortStableFunc(es, func(a, b *Entry) int {
			if c := cmp.Compare(a.Value.Average(), b.Value.Average()); c != 0 {
				return c
			}
			return byKey(a, b)
		})
	case lang.KindHist, lang.KindLhist:
		totals := make(map[*Entry]uint64, len(es))
		for _, e := range es {
			totals[e] = histTotal(e.Value)
		}
		slices.SortStableFunc(es, func(a, b *Entry) int {
			if c := cmp.Compare(totals[a], totals[b]); c != 0 {
				return c
			}
			return byKey(a, b)
		})
	default:
		slices.SortStableFunc(es, byKey)
	}
	if top > 0 && uint64(len(es)) > top {
		es = es[uint64(len(es))-top:]
	}
	return es
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
