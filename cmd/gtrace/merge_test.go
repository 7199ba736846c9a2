package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMergeCommand runs `gtrace merge` on bpftrace's own JSON outputs of
// two scripts (merge/testdata) and expects bpftrace's text of one run of
// both; a disagreement exits 1 with one line on stderr and nothing on
// stdout.
func TestMergeCommand(t *testing.T) {
	const dir = "../../merge/testdata/"
	want, err := os.ReadFile(dir + "ab.txt")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"merge", "--script", dir + "ab.bt", dir + "a.json", dir + "b.json"}, nil, &stdout, &stderr)
	if code != 0 || stdout.String() != string(want) || stderr.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr.String(), stdout.String(), want)
	}

	stdout.Reset()
	stderr.Reset()
	code = run([]string{"merge", dir + "a.json", dir + "b.json"}, nil, &stdout, &stderr)
	if code != 0 || !strings.HasPrefix(stderr.String(), "WARNING: @c, @ma, @mi, @n, @s: integer values added") {
		t.Errorf("without the script: exit %d, stderr %q", code, stderr.String())
	}

	bad := t.TempDir() + "/bad.json"
	os.WriteFile(bad, []byte(`{"type": "map", "data": {"@h": 3}}`+"\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"merge", dir + "a.json", bad}, nil, &stdout, &stderr)
	if code != 1 || stdout.Len() != 0 || stderr.String() != "ERROR: cannot merge: @h is a hist in "+dir+"a.json but a map in "+bad+"\n" {
		t.Errorf("disagreeing inputs: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
