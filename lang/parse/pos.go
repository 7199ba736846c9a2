package parse

import (
	"sort"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// lineTable maps byte offsets of the original source to line and column.
type lineTable struct {
	starts []int // offset of the first byte of each line
	size   int
	last   int // line index of the previous lookup: lookups mostly go forward
}

func newLineTable(src string) *lineTable {
	t := &lineTable{starts: []int{0}, size: len(src)}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			t.starts = append(t.starts, i+1)
		}
	}
	return t
}

func (t *lineTable) pos(off int) lang.Pos {
	if off < 0 {
		off = 0
	}
	if off > t.size {
		off = t.size
	}
	line := t.last
	switch {
	case off >= t.starts[line] && (line+1 == len(t.starts) || off < t.starts[line+1]):
	case line+2 < len(t.starts) && off >= t.starts[line+1] && off < t.starts[line+2]:
		line++
	default:
		line = sort.Search(len(t.starts), func(i int) bool { return t.starts[i] > off }) - 1
		if line < 0 {
			line = 0
		}
	}
	t.last = line
	return lang.Pos{Offset: off, Line: line + 1, Col: off - t.starts[line] + 1}
}

func (t *lineTable) span(start, end int) lang.Span {
	return lang.Span{Start: t.pos(start), End: t.pos(end)}
}

func (t *lineTable) lexPos(off int) lexer.Position {
	p := t.pos(off)
	return lexer.Position{Offset: p.Offset, Line: p.Line, Column: p.Col}
}
