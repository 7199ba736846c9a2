package output

import (
	"io"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"github.com/olekukonko/tablewriter"
)

// Table renders maps as aligned tables (`-f table`, gtrace's own format):
// one column per key part, then the value (stats get count, average and
// total columns; a hist or lhist gets one row per bucket with its label,
// count and bar). Everything that is not a map prints as in Text.
type Table struct {
	*Text
}

// NewTable returns a table renderer writing to w.
func NewTable(w io.Writer) *Table { return &Table{Text: NewText(w)} }

// Exit writes every non-empty map as a table, in name order.
func (t *Table) Exit(maps []*Map) error {
	for _, m := range sortMaps(maps) {
		if err := t.Map(m, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// Map writes one map as a table titled by its name; an empty map writes
// only the title.
func (t *Table) Map(m *Map, top, div uint64) error {
	if err := t.write(m.Name + "\n"); err != nil {
		return err
	}
	if m.len() == 0 {
		return nil
	}
	if div == 0 {
		div = 1
	}
	if m.Kind == lang.KindStats {
		top, div = 0, 1
	}
	tw := tablewriter.NewTable(t.w)
	nkeys := 0
	if !m.Scalar {
		nkeys = len(m.entry(0).Key)
	}
	header := make([]any, 0, nkeys+3)
	for i := range nkeys {
		if nkeys == 1 {
			header = append(header, "key")
		} else {
			header = append(header, "key"+strconv.Itoa(i+1))
		}
	}
	switch m.Kind {
	case lang.KindStats:
		header = append(header, "count", "average", "total")
	case lang.KindHist, lang.KindLhist:
		header = append(header, "bucket", "count", "distribution")
	default:
		header = append(header, "value")
	}
	tw.Header(header...)
	var b []byte
	cell := func(f func([]byte) []byte) string {
		b = f(b[:0])
		return strings.TrimPrefix(string(b), "\n") // stacks start with one
	}
	for _, j := range sortedIndex(m, top) {
		e := m.entry(int(j))
		row := make([]string, 0, len(header))
		for _, k := range e.Key {
			row = append(row, cell(func(b []byte) []byte { return appendKey(b, k) }))
		}
		v := e.Value
		switch m.Kind {
		case lang.KindStats:
			row = append(row, strconv.FormatUint(v.Int, 10), strconv.FormatInt(v.Average(), 10), strconv.FormatInt(v.Total, 10))
		case lang.KindHist, lang.KindLhist:
			if err := appendHistRows(tw, row, v, div); err != nil {
				return err
			}
			continue
		default:
			row = append(row, cell(func(b []byte) []byte { return appendMapValue(b, v, div) }))
		}
		if err := tw.Append(row); err != nil {
			return err
		}
	}
	return tw.Render()
}

// appendHistRows adds one row per bucket of the used range, repeating the
// key cells so that each row stands on its own.
func appendHistRows(tw *tablewriter.Table, key []string, v Value, div uint64) error {
	h := v.Hist
	if h == nil {
		return nil
	}
	first, last := usedRange(h.Buckets)
	if first < 0 {
		return nil
	}
	lin := v.Kind == lang.KindLhist
	if lin {
		div = 1
	}
	var max uint64
	for _, c := range h.Buckets {
		max = maxU(max, c)
	}
	for i := first; i <= last; i++ {
		var label []byte
		if lin {
			label = appendLhistRowLabel(nil, h, i)
		} else {
			label = appendHistRowLabel(nil, i, h.Bits)
		}
		row := append(append([]string(nil), key...), string(label),
			strconv.FormatUint(h.Buckets[i]/div, 10), strings.Repeat("@", barWidth(h.Buckets[i], max)))
		if err := tw.Append(row); err != nil {
			return err
		}
	}
	return nil
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
