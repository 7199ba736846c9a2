package sema_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang/sema"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid.golden")

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
	if *update {
		if err := os.WriteFile("testdata/invalid.golden", []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/invalid.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("golden mismatch at line %d:\n got: %s\nwant: %s\n(run go test -update to regenerate)", i+1, g, w)
			}
		}
	}
}
