package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
)

// testParams are the positional parameters every test parse gets.
var testParams = []string{"/bin/bash", "vfs_read", "3"}

const goldenDir = "../../testdata/parse"

// corpus returns the golden programs and, when present, the realistic
// scripts in testdata/scripts.
func corpus(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.bt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden programs in %s", goldenDir)
	}
	scripts, _ := filepath.Glob("../../testdata/scripts/*.bt")
	return append(files, scripts...)
}

// TestGolden parses each testdata/parse/NAME.bt and compares lang.Dump's
// output with NAME.ast.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.bt"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bt")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src := lang.Source{Name: name + ".bt", Text: string(text)}
			p, errs := Parse(src, Options{Params: testParams})
			var got bytes.Buffer
			if len(errs) > 0 {
				src.RenderAll(&got, errs)
			}
			lang.Dump(&got, p)
			want := strings.TrimSuffix(f, ".bt") + ".ast"
			testkit.Golden(t, want, got.String())
		})
	}
}

// TestRoundTrip checks parse → Format → parse gives the same Dump for
// every corpus program.
func TestRoundTrip(t *testing.T) {
	for _, f := range corpus(t) {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := lang.Source{Name: filepath.Base(f), Text: string(text)}
		if _, errs := Parse(src, Options{Params: testParams}); errs.HasErrors() {
			if strings.Contains(f, "testdata/scripts") {
				var b bytes.Buffer
				src.RenderAll(&b, errs)
				t.Errorf("%s does not parse:\n%s", f, b.String())
			}
			continue
		}
		if msg := roundTrip(src); msg != "" {
			t.Errorf("%s: %s", f, msg)
		}
	}
}
