package gtrace

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestE2EDebugf: debugf() writes through bpf_trace_printk into the
// kernel's trace buffer, integers by value and strings by address, and
// warns as bpftrace 0.17 does (its stderr line, checked against the
// installed bpftrace when regenerating with -bpftrace). The trace file is
// read, not trace_pipe, so other readers of the buffer lose nothing.
func TestE2EDebugf(t *testing.T) {
	bin := tracer(t)
	const trace = "/sys/kernel/tracing/trace"
	if _, err := os.Stat(trace); err != nil {
		t.Skipf("tracefs is not mounted at /sys/kernel/tracing: %v", err)
	}
	marker := fmt.Sprintf("debugf-%d-%d", os.Getpid(), time.Now().UnixNano())
	script := `BEGIN { $s = "hello"; debugf("` + marker + ` %d %s %lu\n", -5, $s, (uint64)7); exit(); }`
	code, out, errs := runBin(t, exec.Command(bin, "-e", script))
	if code != 0 || !strings.HasPrefix(out, "Attaching 1 probe...\n") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
	const warning = "WARNING: The debugf() builtin is not recommended for production use. For more information see bpf_trace_printk in bpf-helpers(7).\n"
	if !strings.Contains(errs, "stdin:1:") || !strings.Contains(errs, warning) {
		t.Errorf("stderr %q, want bpftrace's located warning %q", errs, warning)
	}
	buf, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	want := "bpf_trace_printk: " + marker + " -5 hello 7\n"
	if !bytes.Contains(buf, []byte(want)) {
		t.Errorf("%s has no line ending %q", trace, want)
	}
}
