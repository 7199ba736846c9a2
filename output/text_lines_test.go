package output

import (
	"bufio"
	"bytes"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
)

// TestEntryLinesSameText: a map large enough to be laid out in memory
// order first (entryLinesMin) prints exactly as entry by entry in sorted
// order, with print's div and top.
func TestEntryLinesSameText(t *testing.T) {
	m := countMap(3 * entryLinesMin)
	ints := &Map{Name: "@seeks", Kind: lang.KindCount}
	for i := range 2 * entryLinesMin {
		ints.Entries = append(ints.Entries, Entry{Key: []Value{Int(int64(i*7919%10007 - 5000))}, Value: Count(uint64(i % 13))})
	}
	for _, c := range []struct {
		m        *Map
		top, div uint64
	}{{m, 0, 0}, {m, 0, 7}, {m, 10, 0}, {ints, 0, 0}, {ints, 0, 3}} {
		var want []byte
		div := max(c.div, 1)
		for i, e := range sorted(c.m, c.top) {
			if i > 0 {
				want = append(want, '\n')
			}
			want = appendEntryText(want, c.m, e, div)
		}
		want = append(want, '\n')
		var got bytes.Buffer
		if err := NewText(&got).Map(c.m, c.top, c.div); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s top %d div %d: the text differs (%d bytes, want %d)", c.m.Name, c.top, c.div, got.Len(), len(want))
		}
		if c.top == 0 && bytes.Count(want, []byte("\n")) != len(c.m.Entries) {
			t.Errorf("%s: %d lines for %d entries", c.m.Name, bytes.Count(want, []byte("\n")), len(c.m.Entries))
		}
	}
}

// BenchmarkPrintMap1MIntKeys prints a count() map of 1M integer keys whose
// value order is not their order in memory, as @[args->offset] = count()
// over a readout; cpu-ms/op tells the cost apart from waiting for a CPU.
func BenchmarkPrintMap1MIntKeys(b *testing.B) {
	n := 1000000
	m := &Map{Name: "@", Kind: lang.KindCount, Entries: make([]Entry, n)}
	keys := make([]Value, n)
	for i := range m.Entries {
		keys[i] = Int(int64(i))
		m.Entries[i] = Entry{Key: keys[i : i+1], Value: Count(uint64(i*7919) % 1000003)}
	}
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	r := NewText(w)
	b.ReportAllocs()
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	defer func() {
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	}()
	for b.Loop() {
		if err := r.Map(m, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// sorted is sortedIndex as pointers to the entries: the order the tests
// expect maps in.
func sorted(m *Map, top uint64) []*Entry {
	m.Decode()
	idx := sortedIndex(m, top)
	out := make([]*Entry, len(idx))
	for i, j := range idx {
		out[i] = &m.Entries[j]
	}
	return out
}
