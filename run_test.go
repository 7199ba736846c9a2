package gtrace

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

func runTest(t *testing.T, ctx context.Context, tp *testProgram, opts RunOptions) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if opts.Stdout == nil {
		opts.Stdout = &stdout
	}
	opts.Stderr = &stderr
	code, err := runProgram(ctx, nil, tp.p, opts)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

func TestRunBeginPrintfExit(t *testing.T) {
	needRoot(t)
	tp := newTestProgram()
	hi := tp.printf("hi %d\n", 1)
	exit := tp.exit(false)
	after := tp.printf("after exit\n", 0)
	body := append(emitRecord("a", hi, 42), exitRecord("b", exit)...)
	tp.probe("gt_begin", lang.Begin, ebpf.RawTracepoint, body)
	// END still prints after exit(); a second BEGIN-like event is not
	// expected (the code generator returns after exit()).
	tp.probe("gt_end", lang.End, ebpf.RawTracepoint, emitRecord("c", after))
	code, out, stderr := runTest(t, context.Background(), tp, RunOptions{})
	want := "Attaching 2 probes...\nhi 42\nafter exit\n\n\n"
	if code != 0 || out != want {
		t.Errorf("exit %d\ngot  %q\nwant %q\nstderr: %s", code, out, want, stderr)
	}
}

func TestRunExitCodeQuiet(t *testing.T) {
	needRoot(t)
	tp := newTestProgram()
	exit := tp.exit(true)
	tp.probe("gt_begin", lang.Begin, ebpf.RawTracepoint, exitRecord("a", exit, 3))
	code, out, _ := runTest(t, context.Background(), tp, RunOptions{Quiet: true})
	if code != 3 || out != "\n\n" {
		t.Errorf("exit %d, output %q; want 3 and the two newlines", code, out)
	}
}

// A BEGIN printing more records than the ring buffer holds loses none, or
// reports the loss: events are read while BEGIN runs, but one
// BPF_PROG_TEST_RUN can outrun the reader.
func TestRunBeginLargerThanRing(t *testing.T) {
	needRoot(t)
	tp := newTestProgram()
	tp.p.Spec.Maps[codegen.EventsMap].MaxEntries = 4096 // 170 records of 16 bytes + 8 of header
	line := tp.printf("%d\n", 1)
	exit := tp.exit(false)
	var body asm.Instructions
	for i := range 300 {
		body = append(body, emitRecord("r"+strconv.Itoa(i), line, int64(i))...)
	}
	body = append(body, exitRecord("e", exit)...)
	tp.probe("gt_begin", lang.Begin, ebpf.RawTracepoint, body)
	_, out, stderr := runTest(t, context.Background(), tp, RunOptions{Quiet: true})
	lines := 0
	for _, l := range strings.Split(out, "\n") {
		if _, err := strconv.Atoi(l); err == nil {
			lines++
		}
	}
	if lines < 300 {
		// The exit record may be lost too: the stopped flag ends the run.
		lost1, lost2 := fmt.Sprintf("Lost %d events\n", 300-lines), fmt.Sprintf("Lost %d events\n", 301-lines)
		if !strings.Contains(out, lost1) && !strings.Contains(out, lost2) {
			t.Errorf("%d lines of 300 and no matching loss reported\n%s%s", lines, out, stderr)
		}
	}
	t.Logf("%d of 300 lines printed", lines)
}

// A tracepoint counter: syscalls:sys_enter_getppid filtered by our pid,
// counted into a per-CPU map, printed at exit when the context ends.
func TestRunTracepointCount(t *testing.T) {
	needRoot(t)
	k := probes.NewKernel()
	ts, err := k.Expand(&lang.AttachPoint{Provider: lang.Tracepoint, Args: []string{"syscalls", "sys_enter_getppid"}})
	if err != nil {
		t.Fatal(err)
	}
	tp := newTestProgram()
	spec := tp.countMap("c")
	body := append(onlyPid(os.Getpid()), countInto(spec)...)
	tp.probe("gt_getppid", lang.Tracepoint, ebpf.TracePoint, body, ts...)

	ctx, cancel := context.WithCancel(context.Background())
	out := newSyncBuffer("Attaching 1 probe...\n")
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		var stderr bytes.Buffer
		var err error
		code, err = runProgram(ctx, nil, tp.p, RunOptions{Stdout: out, Stderr: &stderr, Kernel: k})
		if err != nil {
			t.Errorf("run: %v\n%s", err, stderr.String())
		}
	}()
	select {
	case <-out.seen:
	case <-done:
		t.Fatalf("run ended early: %q", out.String())
	case <-time.After(5 * time.Second):
		t.Fatal("no Attaching line after 5 s")
	}
	for range 25 {
		unix.Getppid()
	}
	cancel()
	<-done
	want := "Attaching 1 probe...\n\n\n@c: 25\n"
	if code != 0 || out.String() != want {
		t.Errorf("exit %d\ngot  %q\nwant %q", code, out.String(), want)
	}
	nothingLeft(t, "gt_getppid")
}

// interval:ms:100 { exit(); } through a perf event.
func TestRunIntervalExit(t *testing.T) {
	needRoot(t)
	k := probes.NewKernel()
	ts, err := k.Expand(&lang.AttachPoint{Provider: lang.Interval, Args: []string{"ms", "100"}})
	if err != nil {
		t.Fatal(err)
	}
	tp := newTestProgram()
	exit := tp.exit(false)
	tp.probe("gt_interval", lang.Interval, ebpf.PerfEvent, exitRecord("e", exit), ts...)
	start := time.Now()
	code, out, _ := runTest(t, context.Background(), tp, RunOptions{Kernel: k})
	took := time.Since(start)
	if code != 0 || out != "Attaching 1 probe...\n\n\n" {
		t.Errorf("exit %d, output %q", code, out)
	}
	if took < 90*time.Millisecond || took > 2*time.Second {
		t.Errorf("interval:ms:100 exit took %v", took)
	}
}

func TestRunDryRun(t *testing.T) {
	needRoot(t)
	tp := newTestProgram()
	exit := tp.exit(false)
	tp.probe("gt_begin", lang.Begin, ebpf.RawTracepoint, exitRecord("e", exit))
	code, out, _ := runTest(t, context.Background(), tp, RunOptions{DryRun: true})
	if code != 0 || out != "" {
		t.Errorf("dry run: exit %d, output %q", code, out)
	}
}

// A program the verifier rejects fails the run with a one-line reason.
func TestRunVerifierRejects(t *testing.T) {
	needRoot(t)
	tp := newTestProgram()
	body := asm.Instructions{
		asm.Mov.Imm(asm.R3, 0),
		asm.LoadMem(asm.R4, asm.R3, 0, asm.DWord), // a load through a scalar
	}
	tp.probe("gt_bad", lang.Begin, ebpf.RawTracepoint, body)
	var stderr bytes.Buffer
	code, err := runProgram(context.Background(), nil, tp.p, RunOptions{Stdout: &bytes.Buffer{}, Stderr: &stderr, DryRun: true})
	if err == nil || code != ExitFailure {
		t.Fatalf("exit %d, err %v", code, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "verifier rejected the program of BEGIN: R3 invalid mem access 'scalar'") || strings.Contains(msg, "\n") {
		t.Errorf("message: %s", msg)
	}
}
