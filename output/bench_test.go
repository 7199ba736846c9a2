package output

import (
	"bufio"
	"io"
	"strconv"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// countMap builds a count map of n string keys, as @[comm, pid] = count()
// over a busy machine would; all keys share one backing array, as the maps
// reader is expected to allocate them.
func countMap(n int) *Map {
	m := &Map{Name: "@", Kind: lang.KindCount, Entries: make([]Entry, n)}
	keys := make([]Value, 2*n)
	for i := range m.Entries {
		keys[2*i] = Str("proc" + strconv.Itoa(i%977))
		keys[2*i+1] = Int(int64(i))
		m.Entries[i] = Entry{Key: keys[2*i : 2*i+2], Value: Count(uint64(i*7919) % 100003)}
	}
	return m
}

func BenchmarkPrintMap100k(b *testing.B) {
	m := countMap(100000)
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	r := NewText(w)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Map(m, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrintMap100kJSON(b *testing.B) {
	m := countMap(100000)
	r := NewJSON(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Map(m, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrintf(b *testing.B) {
	args := []Value{Str("bash"), Int(1234), Uint(0xdeadbeef), Int(-42), Str("/etc/passwd")}
	r := NewText(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Printf("%-16s %6d %lx %5d %s\n", args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrintHist(b *testing.B) {
	var vals []int64
	for i := range 10000 {
		vals = append(vals, int64(i*i))
	}
	m := &Map{Name: "@h", Kind: lang.KindHist, Scalar: true, Entries: []Entry{{Value: hist(vals...)}}}
	r := NewText(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Map(m, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}
