package pprof

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// A Go binary built with -ldflags='-s -w' has no DWARF: its locations
// take file:line from the Go runtime's table, as the unstripped build's
// take them from DWARF.
func TestGoStrippedLines(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not in $PATH")
	}
	src, err := os.ReadFile("../testdata/gospin/main.go")
	if err != nil {
		t.Fatal(err)
	}
	tickLine := lineOf(t, string(src), "func tick(i int) int { return i + 1 }")
	var got [2]string
	for i, flags := range [][]string{nil, {"-ldflags=-s -w"}} {
		bin := filepath.Join(t.TempDir(), "gospin")
		cmd := exec.Command(goTool, append(append([]string{"build", "-o", bin}, flags...), "../testdata/gospin/main.go")...)
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		var text elf.ProgHeader
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
				text = p.ProgHeader
			}
		}
		gt := symbols.GoTable(f)
		f.Close()
		if gt == nil {
			t.Fatal("no .gopclntab")
		}
		tick := gt.LookupFunc("main.tick")
		if tick == nil {
			t.Fatal("no main.tick in .gopclntab")
		}
		mapping := &output.Mapping{Start: text.Vaddr, Limit: text.Vaddr + text.Memsz, Offset: text.Off, File: bin}
		m := &output.Map{Name: "@", Kind: lang.KindCount, Entries: []output.Entry{{
			Key:   []output.Value{output.UStack(output.StackBpftrace, output.Frame{Addr: tick.Entry, Sym: "main.tick", Mapping: mapping})},
			Value: output.Count(1),
		}}}
		p, err := Build([]*output.Map{m}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		lines := p.Sample[0].Location[0].Line
		if len(lines) != 1 || lines[0].Function.Name != "main.tick" || !strings.HasSuffix(lines[0].Function.Filename, "gospin/main.go") || lines[0].Line != int64(tickLine) {
			t.Errorf("%v: lines %+v, want main.tick at main.go:%d", flags, lines, tickLine)
			continue
		}
		if !p.Mapping[0].HasFilenames || !p.Mapping[0].HasLineNumbers {
			t.Errorf("%v: mapping without file names or line numbers", flags)
		}
		got[i] = lines[0].Function.Filename
	}
	if got[0] != got[1] {
		t.Errorf("file %q unstripped, %q stripped", got[0], got[1])
	}
}
