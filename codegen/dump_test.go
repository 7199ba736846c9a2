package codegen

import (
	"path/filepath"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
)

// TestDumpGoldens keeps a few curated disassemblies: the hot paths whose
// instruction counts matter (a keyed count, a histogram) and a printf.
// Behaviour is tested in the kernel elsewhere; these catch code-size
// regressions and keep -d asm readable.
func TestDumpGoldens(t *testing.T) {
	cases := map[string]string{
		"count_comm": `BEGIN { @[comm] = count(); }`,
		"hist":       `BEGIN { @ = hist(nsecs); }`,
		"printf":     `BEGIN /pid > 1/ { printf("%s %d\n", comm, pid); }`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			got := dump(compileSrc(t, src))
			file := filepath.Join("testdata", name+".asm")
			testkit.Golden(t, file, got)
		})
	}
}

// TestSpanAt maps instructions back to the script.
func TestSpanAt(t *testing.T) {
	p := compileSrc(t, "BEGIN {\n  @x = 1;\n  printf(\"a\\n\");\n}")
	ps := p.Spec.Programs[p.Probes[0].Program]
	found := false
	iter := ps.Instructions.Iterate()
	for iter.Next() {
		if s, ok := p.SpanAt(p.Probes[0].Program, int(iter.Offset)); ok && s.Start.Line == 3 {
			found = true
		}
	}
	if !found {
		t.Fatal("no instruction maps to line 3")
	}
}
