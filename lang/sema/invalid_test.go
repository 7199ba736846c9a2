package sema_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang/sema"
)

// TestInvalid checks one invalid program per line of testdata/invalid.src
// and compares the rendered diagnostics, byte for byte, with
// testdata/invalid.golden (regenerate with -update and review the diff).
// bpftrace 0.17's wording is kept where it has a matching check.
func TestInvalid(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid.src")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		_, _, errs := checkSrc(t, line, sema.Options{Params: []string{"7"}})
		if !errs.HasErrors() {
			t.Errorf("no error for %q", line)
		}
		out.WriteString("### " + line + "\n" + render(line, errs))
	}
	if n < 40 {
		t.Errorf("only %d invalid programs, want at least 40", n)
	}
	testkit.Golden(t, "testdata/invalid.golden", out.String())
}
