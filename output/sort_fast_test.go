package output

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// The fast sort (keys copied into one array) orders every map it accepts
// exactly as the general one: by value, ties by key (unsigned), then by
// position.
func TestSortedFastMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		kind   lang.Kind
		signed bool
		scalar bool
	}{
		{lang.KindCount, false, false}, {lang.KindSum, true, false}, {lang.KindInt, true, false},
		{lang.KindMax, true, true}, {lang.KindHist, false, false}, {lang.KindLhist, false, false},
		{lang.KindStr, false, false},
	} {
		m := &Map{Name: "@", Kind: tc.kind}
		for range 2000 {
			e := Entry{Value: Value{Kind: tc.kind, Signed: tc.signed, Int: uint64(r.IntN(7) - 3)}}
			if tc.kind == lang.KindHist || tc.kind == lang.KindLhist {
				e.Value.Hist = &Hist{Buckets: []uint64{uint64(r.IntN(3)), uint64(r.IntN(3))}}
			}
			if !tc.scalar {
				// Few distinct keys, negative ones included: ties and
				// duplicate keys both happen.
				e.Key = []Value{{Kind: lang.KindInt, Signed: true, Int: uint64(r.IntN(50) - 25)}}
			}
			m.Entries = append(m.Entries, e)
		}
		fast := sortedFast(m)
		if fast == nil {
			t.Fatalf("%v: no fast path", tc.kind)
		}
		if general := sortedGeneral(m); !slices.Equal(fast, general) {
			t.Errorf("%v signed=%v: fast and general orders differ", tc.kind, tc.signed)
		}
	}
	// One string key: short strings, strings sharing more than 8 bytes,
	// prefixes of each other, bytes above 0x7f; ties on value and key.
	words := []string{"", "a", "ab", "abc", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefgha", "b", "\xff", "\xffx", "zzzzzzzzzzzz1", "zzzzzzzzzzzz0"}
	for _, kind := range []lang.Kind{lang.KindCount, lang.KindStr} {
		m := &Map{Name: "@", Kind: kind}
		for range 2000 {
			w := words[r.IntN(len(words))]
			m.Entries = append(m.Entries, Entry{Key: []Value{Str(w)}, Value: Value{Kind: kind, Int: uint64(r.IntN(3))}})
		}
		fast := sortedFast(m)
		if fast == nil {
			t.Fatalf("%v: no fast path for string keys", kind)
		}
		if general := sortedGeneral(m); !slices.Equal(fast, general) {
			t.Errorf("%v: fast and general orders of string keys differ", kind)
		}
	}
	// Keys of several parts (string and integer, both orders, ties on
	// each part) and avg/stats values.
	for _, kind := range []lang.Kind{lang.KindCount, lang.KindAvg, lang.KindStats, lang.KindStr} {
		for _, shape := range [][]lang.Kind{{lang.KindStr, lang.KindInt}, {lang.KindInt, lang.KindStr}, {lang.KindInt, lang.KindInt, lang.KindStr}} {
			m := &Map{Name: "@", Kind: kind}
			for range 3000 {
				var key []Value
				for _, pk := range shape {
					if pk == lang.KindStr {
						key = append(key, Str(words[r.IntN(len(words))]))
					} else {
						key = append(key, Int(int64(r.IntN(5)-2)))
					}
				}
				v := Value{Kind: kind, Int: uint64(r.IntN(3))}
				if kind == lang.KindAvg || kind == lang.KindStats {
					v = Value{Kind: kind, Int: uint64(r.IntN(3) + 1), Total: int64(r.IntN(9) - 4)}
				}
				m.Entries = append(m.Entries, Entry{Key: key, Value: v})
			}
			fast := sortedFast(m)
			if fast == nil {
				t.Fatalf("%v %v: no fast path", kind, shape)
			}
			if general := sortedGeneral(m); !slices.Equal(fast, general) {
				t.Errorf("%v keys %v: fast and general orders differ", kind, shape)
			}
		}
	}
	// Keys with a part that is neither an integer nor a string take the
	// general path.
	m := &Map{Name: "@", Kind: lang.KindCount, Entries: []Entry{{Key: []Value{Str("a"), {Kind: lang.KindKStack}}}}}
	if sortedFast(m) != nil {
		t.Error("fast path taken for a stack key part")
	}
}

// intCountMap is the readout benchmark's map, @[args->offset] = count()
// over lseek offsets 0..n-1: one integer key, every count 1, entries in
// the kernel's hash order.
func intCountMap(n int) *Map {
	m := &Map{Name: "@", Kind: lang.KindCount, Entries: make([]Entry, n)}
	keys := make([]Value, n)
	r := rand.New(rand.NewPCG(3, 4))
	for i, k := range r.Perm(n) {
		keys[i] = Int(int64(k))
		m.Entries[i] = Entry{Key: keys[i : i+1 : i+1], Value: Count(1)}
	}
	return m
}

func BenchmarkSort100kIntKeysFast(b *testing.B) {
	m := intCountMap(100000)
	for b.Loop() {
		sortedFast(m)
	}
}

func BenchmarkSort100kIntKeysGeneral(b *testing.B) {
	m := intCountMap(100000)
	for b.Loop() {
		sortedGeneral(m)
	}
}
