package gtrace

import (
	"testing"

	"github.com/cilium/ebpf"
)

// TestCollectionOptions: -v asks the verifier for bpftrace's level-1 log,
// and RunOptions.LogSize (BPFTRACE_LOG_SIZE) sizes its first buffer.
func TestCollectionOptions(t *testing.T) {
	r := &runner{opts: RunOptions{Verbose: true, LogSize: 300000}}
	c := r.collectionOptions()
	if c.Programs.LogLevel != ebpf.LogLevelBranch || c.Programs.LogSizeStart != 300000 {
		t.Errorf("got level %v, size %d", c.Programs.LogLevel, c.Programs.LogSizeStart)
	}
	r = &runner{}
	if c := r.collectionOptions(); c.Programs.LogLevel != 0 || c.Programs.LogSizeStart != 0 {
		t.Errorf("without -v: level %v, size %d", c.Programs.LogLevel, c.Programs.LogSizeStart)
	}
}
