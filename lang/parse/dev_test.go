package parse

import (
	"os"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

func TestDev(t *testing.T) {
	src := os.Getenv("SRC")
	if src == "" {
		t.Skip()
	}
	p, errs := Parse(lang.Source{Name: "stdin", Text: src}, Options{Params: []string{"/bin/bash", "vfs_read"}})
	lang.Source{Name: "stdin", Text: src}.RenderAll(os.Stdout, errs)
	if p != nil {
		for _, pr := range p.Probes {
			t.Logf("%+v", pr.Attach[0])
			for _, s := range pr.Body.Stmts {
				t.Logf("%#v", s)
			}
		}
	}
}
