package gtrace

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testkit"
)

// TestCpidSyscallCounts: a -c command's system calls counted per
// tracepoint under pid == cpid equal bpftrace 0.17's counts, including the
// calls the gate makes after it opens (one sys_exit_read, one close, the
// execve; see run_gate.go). The goldens are bpftrace 0.17's output (go test
// -run CpidSyscall -bpftrace rewrites them), its @ lines sorted: maps of
// equal counts print in hash order.
func TestCpidSyscallCounts(t *testing.T) {
	bin := tracer(t)
	target := testkit.BuildC(t, filepath.Join("testdata", "cpid", "syscalls.c"), "-static", "-O1")
	for _, tc := range []struct{ name, script string }{
		{"enter", `tracepoint:syscalls:sys_enter_* /pid == cpid/ { @[probe] = count(); }`},
		{"exit", `tracepoint:syscalls:sys_exit_* /pid == cpid/ { @[probe] = count(); }`},
		{"raw", `tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @enter = count(); } tracepoint:raw_syscalls:sys_exit /pid == cpid/ { @exit = count(); }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-e", tc.script, "-c", target)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
			defer timer.Stop()
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\nstderr:\n%s", filepath.Base(bin), err, stderr.String())
			}
			if !strings.Contains(stdout.String(), "\nx\n") {
				t.Errorf("the command's output is missing:\n%s", stdout.String())
			}
			var counts []string
			for _, l := range strings.Split(stdout.String(), "\n") {
				if strings.HasPrefix(l, "@") {
					counts = append(counts, l)
				}
			}
			slices.Sort(counts)
			got := strings.Join(counts, "\n") + "\n"
			testkit.GoldenBy(t, filepath.Join("testdata", "cpid", tc.name+".out"), got, *regenWithBpftrace, "go test -run CpidSyscall -bpftrace")
		})
	}
}
