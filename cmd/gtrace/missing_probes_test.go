package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BPFTRACE_MISSING_PROBES outranks the config block, as every setting.
func TestMissingProbesEnv(t *testing.T) {
	needRoot(t)
	src := `config = { missing_probes = "error" } uprobe:libc:getpid, uprobe:libc:gtrace_no_such_fn { @ = count(); }`
	for _, tc := range []struct {
		env      string
		code     int
		inStderr string
	}{
		{"", 1, "ERROR: uprobe:libc:gtrace_no_such_fn: function gtrace_no_such_fn not found in "},
		{"warn", 0, "WARNING: No matches for uprobe libc:gtrace_no_such_fn ("},
		{"ignore", 0, ""},
		{"sometimes", 1, `BPFTRACE_MISSING_PROBES="sometimes": valid values are ignore, warn, and error`},
	} {
		cmd := exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), "--dry-run", "-e", src)
		cmd.Env = append(os.Environ(), "BPFTRACE_MISSING_PROBES="+tc.env)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != tc.code || (tc.inStderr == "") != (stderr.Len() == 0) || !strings.Contains(stderr.String(), tc.inStderr) {
			t.Errorf("BPFTRACE_MISSING_PROBES=%s: exit %d, stderr:\n%s\nwant exit %d and %q", tc.env, code, stderr.String(), tc.code, tc.inStderr)
		}
	}
}
