package sema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

// TestInvalidCorpus checks testdata/invalid: every program the parser
// accepts must be rejected by the checker. The intended message (first line,
// `// expect: ...`) is compared too; programs whose intended message is not
// gtrace's are listed in knownDifferent with the reason.
func TestInvalidCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/invalid/*.bt")
	if len(files) == 0 {
		t.Skip("no invalid corpus")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			expect, _, _ := strings.Cut(strings.TrimPrefix(text, "// expect: "), "\n")
			src := lang.Source{Name: "stdin", Text: text}
			params := []string{"/bin/bash"}
			p, errs := parse.Parse(src, parse.Options{Params: params})
			if errs.HasErrors() {
				return // the parser's to reject
			}
			_, errs = sema.Check(p, sema.Options{Params: params, Env: testEnv()})
			reason, differs := knownDifferent[name]
			if !errs.HasErrors() {
				if differs {
					t.Logf("accepted on purpose (%s)", reason)
					return
				}
				t.Fatalf("accepted; want %q", expect)
			}
			if differs {
				t.Logf("message differs on purpose (%s): %s", reason, errs[0].Msg)
				return
			}
			found := false
			for _, d := range errs {
				found = found || d.Msg == expect
			}
			if !found {
				var b strings.Builder
				src.RenderAll(&b, errs)
				t.Errorf("want %q, got:\n%s", expect, b.String())
			}
		})
	}
}

// knownDifferent lists corpus programs where gtrace's message deliberately
// differs from the intended one.
var knownDifferent = map[string]string{
	"19-exit-with-string.bt":        "bpftrace's wording for a non-integer argument",
	"20-kstack-bad-mode.bt":         "bpftrace 0.17's wording",
	"32-args-in-kprobe.bt":          "0.17's missing space fixed",
	"33-arg0-in-tracepoint.bt":      "0.17's wording plus a hint to use args",
	"51-print-indexed-map-v017.bt":  "print(@m[k]) prints one value, as in bpftrace 0.21+",
	"53-delete-non-map.bt":          "delete(@scalar) empties a scalar map, as in bpftrace 0.24+",
	"61-software-bad-event.bt":      "attach points are validated by package probes",
	"62-interval-bad-unit.bt":       "attach points are validated by package probes",
	"63-uprobe-missing-function.bt": "attach points are validated by package probes",
	"64-wildcard-in-interval.bt":    "attach points are validated by package probes",
}
