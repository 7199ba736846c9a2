package sema_test

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang/sema"
)

// path() outside fentry/fexit/iter is an error in bpftrace 0.17's words
// whose hint names the kernel limit (bpf_d_path is not allowed for the
// program type).
func TestPathLimitHint(t *testing.T) {
	_, _, errs := checkSrc(t, `interval:s:1 { $p = path(0); }`, sema.Options{})
	if len(errs) != 1 {
		t.Fatalf("errors: %v", errs)
	}
	d := errs[0]
	if d.Msg != `The path function can only be used with 'kfunc', 'kretfunc', 'iter' probes` || !strings.Contains(d.Hint, "bpf_d_path") || !strings.Contains(d.Hint, "fentry/fexit, LSM and iter") {
		t.Errorf("msg %q, hint %q", d.Msg, d.Hint)
	}
}
