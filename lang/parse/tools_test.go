package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// TestBpftraceTools parses bpftrace's own tools/*.bt when
// GTRACE_BPFTRACE_TOOLS names their directory (several may be given,
// separated by ':'). The scripts are not part of this repository.
func TestBpftraceTools(t *testing.T) {
	dirs := os.Getenv("GTRACE_BPFTRACE_TOOLS")
	if dirs == "" {
		t.Skip("set GTRACE_BPFTRACE_TOOLS=/path/to/bpftrace/tools to run")
	}
	for _, dir := range filepath.SplitList(dirs) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.bt"))
		ok := 0
		for _, f := range files {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src := lang.Source{Name: filepath.Base(f), Text: string(text)}
			_, errs := Parse(src, Options{Params: testParams})
			if errs.HasErrors() {
				var b bytes.Buffer
				src.RenderAll(&b, errs)
				t.Errorf("%s:\n%s", f, b.String())
				continue
			}
			if err := roundTrip(src); err != "" {
				t.Errorf("%s: round trip: %s", f, err)
				continue
			}
			ok++
		}
		t.Logf("%s: %d/%d parse", dir, ok, len(files))
	}
}
