package sema_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

// scriptArgs reads the positional parameters of each corpus script from
// the "args used" column of testdata/scripts/README.md.
func scriptArgs(t testing.TB) map[string][]string {
	data, err := os.ReadFile("../../testdata/scripts/README.md")
	if err != nil {
		t.Skip("no script corpus:", err)
	}
	row := regexp.MustCompile("^\\| `([^`]+\\.bt)` \\|.*\\| (v0\\.17|NEWER[^|]*|[^|]*) \\| `?([^|`]*)`? \\|")
	out := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			args := strings.TrimSpace(m[3])
			if args == "" || args == "none" || args == "—" || args == "-" {
				out[m[1]] = nil
				continue
			}
			out[m[1]] = strings.Fields(args)
		}
	}
	return out
}

// TestCorpus checks every script of testdata/scripts: none may be rejected
// by the checker (they are valid programs; kernel facts are unknown here, so
// NoKernel keeps tracepoint and BTF accesses lenient).
func TestCorpus(t *testing.T) {
	args := scriptArgs(t)
	files, _ := filepath.Glob("../../testdata/scripts/*.bt")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			params := args[filepath.Base(f)]
			if params == nil {
				params = []string{"/bin/bash", "1", "2"}
			}
			src := lang.Source{Name: filepath.Base(f), Text: string(data)}
			p, errs := parse.Parse(src, parse.Options{Params: params})
			if errs.HasErrors() {
				t.Skipf("parser rejects it: %v", errs)
			}
			_, errs = sema.Check(p, sema.Options{Params: params, Env: sema.NoKernel, Unsafe: true, HasChild: true})
			if errs.HasErrors() {
				var b strings.Builder
				src.RenderAll(&b, errs)
				t.Errorf("checker rejects a valid script:\n%s", b.String())
			}
		})
	}
}
