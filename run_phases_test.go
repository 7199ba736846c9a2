package gtrace

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// The phases of a run (issue 11): BEGIN runs alone and whole before any
// other clause acts; a timer's first period counts from BEGIN; END runs
// after every other probe has stopped; the first SIGINT stops a flood.

// syscallLoad makes syscalls from n goroutines until the returned function
// is called.
func syscallLoad(n int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				for range 100 {
					syscall.Getppid()
				}
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// Under a syscall storm no raw_syscalls body runs before BEGIN has set @b
// (bpftrace prints no count for @early: its zero), and none runs once END
// has begun (@late). Goldens made with bpftrace 0.17.
func TestE2EPhasesUnderLoad(t *testing.T) {
	bin := tracer(t)
	for _, sc := range []scenario{
		{
			name:   "begin_before_probes",
			script: `BEGIN { @b = 1; } tracepoint:raw_syscalls:sys_enter { if (@b == 0) { @early = count(); } }`,
		},
		{
			name:   "end_after_probes",
			script: `tracepoint:raw_syscalls:sys_enter { if (@ended == 1) { @late = count(); } } END { @ended = 1; }`,
		},
	} {
		t.Run(sc.name, func(t *testing.T) {
			stop := syscallLoad(2)
			defer stop()
			sc.after = func(t *testing.T, env *scenarioEnv) {
				time.Sleep(300 * time.Millisecond)
				env.tracer.Process.Signal(syscall.SIGINT)
			}
			out := runScenario(t, bin, sc)
			checkGolden(t, sc.name, out)
		})
	}
}

// The first interval period counts from BEGIN, not from attaching: with
// 300 ms between attaching and BEGIN, interval:ms:100 still fires 100 ms
// after BEGIN (before, it fired before BEGIN had set @start).
func TestRunIntervalCountsFromBegin(t *testing.T) {
	src := `BEGIN { @start = nsecs; } interval:ms:100 { printf("%d\n", (nsecs - @start) / 1000000); exit(); }`
	code, out, errs := runScript(t, src, RunOptions{beforeBegin: func() { time.Sleep(300 * time.Millisecond) }}, nil)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		t.Fatalf("output:\n%s", out)
	}
	ms, err := strconv.Atoi(lines[1])
	if err != nil || ms < 99 || ms > 190 {
		t.Errorf("interval:ms:100 fired %s ms after BEGIN, want 100 (output %q)", lines[1], out)
	}
}

// The Attaching line and BEGIN's output come out only once the probes act:
// an event caused right after them is seen.
func TestRunOutputAfterProbesAct(t *testing.T) {
	src := `BEGIN { printf("ready\n"); } tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @n = count(); exit(); }`
	_, out, errs := runScript(t, src, RunOptions{beforeBegin: func() { time.Sleep(100 * time.Millisecond) }}, func() {
		syscall.Getppid()
	})
	if want := "Attaching 2 probes...\nready\n\n\n@n: 1\n"; out != want {
		t.Errorf("output %q, want %q\nstderr:\n%s", out, want, errs)
	}
}

// The first SIGINT stops a printf on every syscall whose output goes to a
// file (gtrace's own writes are events too): END runs and the maps are
// printed within two seconds.
func TestE2ESIGINTStopsFlood(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	stop := syscallLoad(1)
	defer stop()
	f, err := os.CreateTemp(t.TempDir(), "flood")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, "-e", `tracepoint:raw_syscalls:sys_enter { printf("%d %s\n", pid, comm); @n = count(); } END { printf("end\n"); }`)
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer kill.Stop()
	// Wait for the flood to reach the file.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, _ := f.Stat(); st.Size() > 1<<20 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("less than 1 MiB of output in 10 s; stderr:\n%s", stderr.String())
		}
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(2 * time.Second):
		cmd.Process.Kill()
		<-waited
		t.Fatalf("still running 2 s after SIGINT")
	}
	t.Logf("ended %v after SIGINT", time.Since(start).Round(time.Millisecond))
	if _, err := f.Seek(-4096, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	tail, _ := io.ReadAll(f)
	_, rest, ok := strings.Cut(string(tail), "\nend\n\n\n@n: ")
	if !ok || !strings.HasSuffix(rest, "\n") || strings.Contains(rest[:len(rest)-1], "\n") {
		t.Errorf("the output does not end with END's line and the map:\n...%s", tail[max(0, len(tail)-300):])
	}
}

// A run stopped through its context under the same flood ends as quickly.
func TestRunCancelStopsFlood(t *testing.T) {
	needRoot(t)
	stop := syscallLoad(1)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	k := probes.NewKernel()
	s, err := Compile(lang.Source{Name: "stdin", Text: `tracepoint:raw_syscalls:sys_enter { printf("%d %s\n", pid, comm); }`}, Options{Kernel: k})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		code, err := s.Run(ctx, RunOptions{Stdout: io.Discard, Stderr: io.Discard, Kernel: k})
		if err == nil && code != 0 {
			err = fmt.Errorf("exit %d", code)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2500 * time.Millisecond):
		t.Fatal("still running 2 s after the context ended")
	}
	t.Logf("ended %v after the context", time.Since(start)-500*time.Millisecond)
}
