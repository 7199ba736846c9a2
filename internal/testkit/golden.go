package testkit

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// Update is go test's -update flag in every package that uses Golden:
// the tests rewrite their golden files from what they got instead of
// comparing (review the diff before committing it).
var Update = flag.Bool("update", false, "rewrite the golden files from the tests' output")

// Golden compares got with the golden file (a path relative to the
// package's directory), or writes it there under -update. A difference
// names the first line that differs, then shows all of got.
func Golden(t testing.TB, file, got string) {
	t.Helper()
	GoldenBy(t, file, got, *Update, "go test -update")
}

// GoldenBy is Golden for goldens another program writes: write says
// whether this run makes them (the root package's -bpftrace runs
// bpftrace 0.17 and keeps its output), how names the command that does.
func GoldenBy(t testing.TB, file, got string, write bool, how string) {
	t.Helper()
	if write {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (%s writes it)", err, how)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	line := 0
	for line < len(gl) && line < len(wl) && gl[line] == wl[line] {
		line++
	}
	at := func(l []string) string {
		if line < len(l) {
			return l[line]
		}
		return "(end)"
	}
	t.Errorf("differs from %s (%s rewrites it) at line %d:\n got: %s\nwant: %s\n--- got\n%s", file, how, line+1, at(gl), at(wl), got)
}
