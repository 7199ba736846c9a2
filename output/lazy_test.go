package output

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// sliceSource hands out the entries of a decoded map as a raw source
// does: the key parts copied into storage reused at the next call, so a
// renderer that kept an entry beyond the next call would print wrong keys.
type sliceSource struct {
	es      []Entry
	key     []Value
	decoded int
}

func (s *sliceSource) Len() int { return len(s.es) }

func (s *sliceSource) Entry(i int, e *Entry) {
	s.decoded++
	e.Key = nil
	if s.es[i].Key != nil {
		s.key = append(s.key[:0], s.es[i].Key...)
		e.Key = s.key
	}
	e.Value = s.es[i].Value
}

func lazyOf(m *Map) (*Map, *sliceSource) {
	src := &sliceSource{es: m.Entries}
	return LazyMap(m.Name, m.Kind, m.Scalar, src), src
}

// lazyCases are maps of every shape the sorts and layouts tell apart:
// integer, string and two-part keys (fast sort, memory-order layout
// from entryLinesMin on), scalars, hists, avg, stats.
func lazyCases() []*Map {
	r := rand.New(rand.NewPCG(5, 6))
	ints := &Map{Name: "@seeks", Kind: lang.KindCount}
	neg := &Map{Name: "@neg", Kind: lang.KindSum}
	hists := &Map{Name: "@h", Kind: lang.KindHist}
	avgs := &Map{Name: "@a", Kind: lang.KindAvg}
	strs := &Map{Name: "@files", Kind: lang.KindCount}
	for i := range 2*entryLinesMin + 17 {
		k := Int(int64(r.IntN(1<<20) - 1<<19))
		ints.Entries = append(ints.Entries, Entry{Key: []Value{k}, Value: Count(uint64(r.IntN(9)))})
		strs.Entries = append(strs.Entries, Entry{Key: []Value{Str(fmt.Sprintf("/usr/lib/%x", r.IntN(1<<16)))}, Value: Count(uint64(r.IntN(3)))})
		neg.Entries = append(neg.Entries, Entry{Key: []Value{k}, Value: Sum(int64(r.IntN(200)-100), true)})
		if i < 300 {
			hists.Entries = append(hists.Entries, Entry{Key: []Value{k}, Value: HistOf([]uint64{0, uint64(r.IntN(3)), uint64(r.IntN(5)), 1}, 0)})
			avgs.Entries = append(avgs.Entries, Entry{Key: []Value{k}, Value: Avg(uint64(r.IntN(4)+1), int64(r.IntN(100)))})
		}
	}
	return []*Map{
		ints, neg, hists, avgs, strs,
		countMap(entryLinesMin + 5), // a string and an int key part
		{Name: "@n", Kind: lang.KindCount, Scalar: true, Entries: []Entry{{Value: Count(42)}}},
		{Name: "@s", Kind: lang.KindStats, Scalar: true, Entries: []Entry{{Value: Stats(3, 9)}}},
		{Name: "@empty", Kind: lang.KindCount},
	}
}

// A lazy map prints exactly as its decoded form in every renderer of the
// package, with print's top and div, and decodes to the same entries.
func TestLazyMapSameOutput(t *testing.T) {
	renderers := map[string]func(*bytes.Buffer) Renderer{
		"text":  func(b *bytes.Buffer) Renderer { return NewText(b) },
		"json":  func(b *bytes.Buffer) Renderer { return NewJSON(b) },
		"table": func(b *bytes.Buffer) Renderer { return NewTable(b) },
	}
	for _, m := range lazyCases() {
		for name, mk := range renderers {
			for _, td := range [][2]uint64{{0, 0}, {0, 3}, {5, 0}} {
				var want, got bytes.Buffer
				if err := mk(&want).Map(m, td[0], td[1]); err != nil {
					t.Fatal(err)
				}
				lazy, _ := lazyOf(m)
				if !TakesLazyMaps(mk(&got)) {
					t.Fatalf("%s does not take lazy maps", name)
				}
				if err := mk(&got).Map(lazy, td[0], td[1]); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%s %s top %d div %d: lazy map prints differently:\n%.300s\nwant\n%.300s", name, m.Name, td[0], td[1], got.Bytes(), want.Bytes())
				}
			}
		}
		lazy, _ := lazyOf(m)
		if got := lazy.Decode().Entries; len(got) != len(m.Entries) || (len(got) > 0 && !reflect.DeepEqual(got, m.Entries)) {
			t.Errorf("%s: Decode gives other entries", m.Name)
		}
	}
}

// Printing a map of integer or string keys, of one part or two, with
// count or avg values, visits each entry a bounded number of times and
// never decodes the whole map into Entries, in every renderer.
func TestLazyMapStaysUndecoded(t *testing.T) {
	cases := lazyCases()
	for _, m := range []*Map{cases[0], cases[3], cases[4], cases[5]} {
		testLazyMapStaysUndecoded(t, m)
	}
}

func testLazyMapStaysUndecoded(t *testing.T, m *Map) {
	for name, mk := range map[string]func(*bytes.Buffer) Renderer{
		"text":  func(b *bytes.Buffer) Renderer { return NewText(b) },
		"json":  func(b *bytes.Buffer) Renderer { return NewJSON(b) },
		"table": func(b *bytes.Buffer) Renderer { return NewTable(b) },
	} {
		lazy, src := lazyOf(m)
		var b bytes.Buffer
		if err := mk(&b).Exit([]*Map{lazy}); err != nil {
			t.Fatal(err)
		}
		if lazy.Entries != nil {
			t.Errorf("%s %s: the renderer decoded the whole map", name, m.Name)
		}
		if n := len(m.Entries); src.decoded > 3*n {
			t.Errorf("%s: %d entries decoded %d times", name, n, src.decoded)
		}
		if lines := bytes.Count(b.Bytes(), []byte("\n")); name == "text" && m.Kind == lang.KindCount && lines != len(m.Entries)+2 { // Exit's "\n\n" first
			t.Errorf("%d lines for %d entries", lines, len(m.Entries))
		}
	}
}
