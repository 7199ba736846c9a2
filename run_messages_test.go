package gtrace

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// Messages that said the wrong thing (issue 13): each names what really
// failed.

// A wildcard that includes a function the kernel cannot probe (its first
// instruction has a lock prefix, as glibc's pthread_spin_lock) names the
// function, as bpftrace does, instead of a bare "operation not supported"
// for the whole binary. The kernel checks the instruction of a file that
// is mapped, so the program runs meanwhile.
func TestRefusedUprobeNamed(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	target := testkit.BuildC(t, "probes/testdata/locked/locked.c", "-O1")
	running := exec.Command(target, "30")
	if err := running.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { running.Process.Kill(); running.Wait() }()
	time.Sleep(100 * time.Millisecond) // mapped
	for _, pat := range []string{"*", "locked_inc"} {
		code, out, errs := runBin(t, exec.Command(bin, "-e", "uprobe:"+target+":"+pat+" { @ = count(); }"))
		want := "uprobe:" + target + ":locked_inc"
		if code != 255 || out != "" || !strings.Contains(errs, "ERROR: attach "+want) || !strings.Contains(errs, "cannot put a uprobe on the function's first instruction") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant an error naming %s", pat, code, out, errs, want)
		}
	}
}

// A tracepoint the kernel refuses to root with every capability (the
// sampling event irq_vectors:irq_work_exit would re-enter perf) does not
// tell root to run as root.
func TestRefusedTracepointAsRoot(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	if !probes.HasCap(probes.CapSysAdmin) {
		t.Skip("needs every capability")
	}
	if _, err := os.Stat("/sys/kernel/tracing/events/irq_vectors/irq_work_exit"); err != nil {
		t.Skip("no tracepoint irq_vectors:irq_work_exit here")
	}
	code, out, errs := runBin(t, exec.Command(bin, "-e", "tracepoint:irq_vectors:irq_work_exit { @ = count(); }"))
	if code != 255 || out != "" || strings.Contains(errs, "as root") || !strings.Contains(errs, "although gtrace has CAP_BPF and CAP_PERFMON") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

// A -p process that exits while the probes attach ends the run as one
// that exits while traced does, with a warning saying so, not an error
// telling to look the probe up with -l.
func TestProcessExitsDuringAttach(t *testing.T) {
	needRoot(t)
	victim := exec.Command("sleep", "30")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { victim.Process.Kill(); victim.Wait() }()
	pid := victim.Process.Pid
	k := probes.NewKernel()
	k.PID = pid
	s, err := Compile(lang.Source{Name: "stdin", Text: `uprobe:libc:strlen,uprobe:libc:strcmp { @ = count(); }`}, Options{Kernel: k})
	if err != nil {
		t.Fatal(err)
	}
	var kill sync.Once
	var stdout, stderr bytes.Buffer
	opts := RunOptions{Stdout: &stdout, Stderr: &stderr, Kernel: k, PID: pid, perfUprobes: true,
		beforeAttach: func() { kill.Do(func() { victim.Process.Kill(); victim.Wait() }) }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := s.Run(ctx, opts)
	if code != 0 || err != nil || !strings.Contains(stderr.String(), "WARNING: process "+strconv.Itoa(pid)+" exited while gtrace attached its probes: the run ends") {
		t.Errorf("exit %d: %v\nstderr:\n%s", code, err, stderr.String())
	}
}
