package gtrace

import (
	"strings"
	"testing"
)

// errorf and warnf print their text as a diagnostic at the call, without
// the source line, on stderr (JSON: an "errorf"/"warnf" object), and the
// run goes on; --no-warnings silences warnf. bpftrace 0.17 has neither:
// the expected text is bpftrace's documented example (docs/stdlib.md).
func TestErrorfWarnf(t *testing.T) {
	src := `BEGIN { errorf("Something bad with args: %d, %s", 10, "arg2"); warnf("careful %d", 3); printf("after\n"); exit(); }`
	code, stdout, stderr := runScript(t, src, RunOptions{Quiet: true}, nil)
	if want := "stdin:1:9-62: ERROR: Something bad with args: 10, arg2\nstdin:1:64-86: WARNING: careful 3\n"; code != 0 || stderr != want || !strings.HasPrefix(stdout, "after\n") {
		t.Errorf("exit %d, stdout %q, stderr %q, want stderr %q", code, stdout, stderr, want)
	}
	_, _, stderr = runScript(t, src, RunOptions{Quiet: true, NoWarnings: true}, nil)
	if want := "stdin:1:9-62: ERROR: Something bad with args: 10, arg2\n"; stderr != want {
		t.Errorf("--no-warnings: stderr %q, want %q", stderr, want)
	}
	_, stdout, _ = runScript(t, src, RunOptions{Quiet: true, Format: "json"}, nil)
	for _, want := range []string{
		`{"type": "errorf", "msg": "Something bad with args: 10, arg2", "filename": "stdin", "line": 1, "col": 9}`,
		`{"type": "warnf", "msg": "careful 3", "filename": "stdin", "line": 1, "col": 64}`,
	} {
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("-f json: no %s in\n%s", want, stdout)
		}
	}
}
