package flame

import (
	"cmp"
	"io"
	"slices"
	"strconv"

	"github.com/gtrace/gtrace/output"
)

// AppendFolded appends samples as folded stack lines, "root;...;leaf N",
// sorted by path. Samples with the same path are one line (two stacks that
// differ only in offsets within their functions fold to the same path).
func AppendFolded(b []byte, samples []Sample) []byte {
	sums := make(map[string]uint64, len(samples))
	var path []byte
	for _, s := range samples {
		path = appendPath(path[:0], s.Frames)
		sums[string(path)] += s.Value
	}
	paths := make([]string, 0, len(sums))
	for p := range sums {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		b = append(b, p...)
		b = append(b, ' ')
		b = strconv.AppendUint(b, sums[p], 10)
		b = append(b, '\n')
	}
	return b
}

func appendPath(b []byte, fs []Frame) []byte {
	for i, f := range fs {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, f.Name...)
	}
	return b
}

// Folded is the `-f folded` renderer: maps keyed by stacks print as folded
// stack lines, everything else (printf, print of other values, maps
// without stacks) as the text renderer prints it. "Attaching N probes..."
// goes to the message writer, so that the output is a clean input for
// flamegraph.pl, inferno or speedscope.
type Folded struct {
	*output.Text
	w   io.Writer
	msg *output.Text
}

// NewFolded returns a folded renderer writing to w, its messages to msg.
func NewFolded(w, msg io.Writer) *Folded {
	return &Folded{Text: output.NewText(w), w: w, msg: output.NewText(msg)}
}

// AttachedProbes writes "Attaching N probes..." to the message writer.
func (f *Folded) AttachedProbes(n int) error { return f.msg.AttachedProbes(n) }

// ScriptMessage writes an errorf()/warnf() message to the message writer.
func (f *Folded) ScriptMessage(m output.ScriptMessage) error { return f.msg.ScriptMessage(m) }

// Exit writes every map in name order: the maps keyed by stacks as folded
// lines (each line starting with its map's name when there are several),
// the others as text.
func (f *Folded) Exit(ms []*output.Map) error {
	ms = slices.SortedFunc(slices.Values(ms), func(a, b *output.Map) int { return cmp.Compare(a.Name, b.Name) })
	rooted := countFoldable(ms) > 1
	for _, m := range ms {
		if !FoldableMap(m) {
			if err := f.Text.Map(m, 0, 0); err != nil {
				return err
			}
			continue
		}
		ss := foldRooted(m, rooted)
		if _, err := f.w.Write(AppendFolded(nil, ss)); err != nil {
			return err
		}
	}
	return nil
}

// Map writes print(@m, top, div): the top entries by value, each value
// divided by div, as folded lines; a map without stacks as text.
func (f *Folded) Map(m *output.Map, top, div uint64) error {
	if !FoldableMap(m) {
		return f.Text.Map(m, top, div)
	}
	ss := Fold(m)
	if top > 0 && uint64(len(ss)) > top {
		slices.SortStableFunc(ss, func(a, b Sample) int { return cmp.Compare(b.Value, a.Value) })
		ss = ss[:top]
	}
	if div > 1 {
		for i := range ss {
			ss[i].Value /= div
		}
	}
	_, err := f.w.Write(AppendFolded(nil, ss))
	return err
}
