package gtrace

import "testing"

// probetype is bpftrace's name of the clause's probe type (its first
// attach point's, even where another fired): "special" for BEGIN and END. bpftrace 0.17 has no
// probetype; the expected text follows bpftrace 0.25's documentation and
// its probetypeName table.
func TestProbetype(t *testing.T) {
	src := `BEGIN { printf("%s\n", probetype); }
profile:hz:1,interval:ms:50 { printf("%s %s\n", probetype, probe); exit(); }
END { @[probetype] = count(); }`
	code, stdout, stderr := runScript(t, src, RunOptions{Quiet: true}, nil)
	want := "special\nprofile interval:ms:50\n\n\n@[special]: 1\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", code, stdout, want, stderr)
	}
}
