package pprof

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// lineOf is the 1-based line of the source holding marker.
func lineOf(t *testing.T, src, marker string) int {
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("no %s in the source", marker)
	return 0
}

// An address in code gcc inlined is a location of two lines, innermost
// first: sq at its own line, then outer (named as its frame is) at the
// line of the call.
func TestInlinedFrames(t *testing.T) {
	src, err := os.ReadFile("testdata/inline.c")
	if err != nil {
		t.Fatal(err)
	}
	bin := testkit.BuildC(t, "testdata/inline.c", "-O2", "-g")
	lt := readLineTable(bin)
	if lt == nil {
		t.Fatal("no line table")
	}
	// The code of the inlined call (where DWARF says it is).
	var pc uint64
	for _, f := range lt.funcs {
		for _, c := range *f.inlined {
			if c.fn == "sq" && len(c.ranges) > 0 {
				pc = c.ranges[0][0]
			}
		}
	}
	if pc == 0 {
		t.Fatal("gcc's DWARF has no inlined call of sq")
	}
	// Through a profile: the frame as the runner resolves it, outer+off in
	// the executable mapping.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var text elf.ProgHeader
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
			text = p.ProgHeader
		}
	}
	mapping := &output.Mapping{Start: text.Vaddr, Limit: text.Vaddr + text.Memsz, Offset: text.Off, File: bin}
	m := &output.Map{Name: "@", Kind: lang.KindCount, Entries: []output.Entry{{
		Key:   []output.Value{output.UStack(output.StackBpftrace, output.Frame{Addr: pc, Sym: "outer", Mapping: mapping})},
		Value: output.Count(1),
	}}}
	p, err := Build([]*output.Map{m}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := p.Sample[0].Location[0].Line
	var got []string
	for _, l := range lines {
		got = append(got, l.Function.Name+" "+filepath.Base(l.Function.Filename)+":"+strconv.FormatInt(l.Line, 10))
	}
	sq, call := lineOf(t, string(src), "/* SQ */"), lineOf(t, string(src), "/* CALL */")
	if len(lines) != 2 || lines[0].Function.Name != "sq" || lines[1].Function.Name != "outer" ||
		lines[1].Line != int64(call) || lines[0].Line < int64(sq-1) || lines[0].Line > int64(sq+1) ||
		!strings.HasSuffix(lines[1].Function.Filename, "inline.c") {
		t.Errorf("lines %q; want sq near line %d, then outer at the call, line %d", got, sq, call)
	}
	if !p.Mapping[0].HasInlineFrames {
		t.Error("mapping without HasInlineFrames")
	}
	// The folded path keeps the frame's own name.
	if path := flame.Fold(m)[0].Frames; len(path) != 1 || path[0].Name != "outer" {
		t.Errorf("folded %v", path)
	}
}
