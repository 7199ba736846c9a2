package gtrace

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
)

// ncpus is the number of possible CPUs, as bpftrace counts them.
func TestNcpus(t *testing.T) {
	want, err := ebpf.PossibleCPU()
	if err != nil {
		t.Skip(err)
	}
	code, stdout, stderr := runScript(t, `BEGIN { printf("%d\n", ncpus); exit(); }`, RunOptions{Quiet: true}, nil)
	if code != 0 || strings.TrimSpace(stdout) != strconv.Itoa(want) {
		t.Errorf("exit %d, stdout %q (want %d), stderr %q", code, stdout, want, stderr)
	}
}
