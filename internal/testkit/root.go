package testkit

import (
	"os"
	"testing"
)

// NeedRoot skips the test unless it runs as root: loading BPF programs,
// attaching probes and reading tracefs and BTF all need it, and a test
// that cannot have them says why rather than failing.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to load and attach BPF programs and read tracefs and BTF")
	}
}
