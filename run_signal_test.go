package gtrace

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// helperEnv makes the test binary run a hand-built program with signal
// handling instead of the tests: the process the signal tests kill.
const helperEnv = "GTRACE_RUNTIME_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(signalHelper())
	}
	if os.Geteuid() != 0 {
		// The examples load BPF programs and cannot skip: without root
		// only the tests run (they skip what needs root).
		flag.Parse()
		if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "" {
			f.Value.Set("^Test")
		}
	}
	os.Exit(testkit.Main(m))
}

// signalHelper runs BEGIN { @c = count(); } plus a tracepoint probe (a perf
// link to detach) until a signal arrives.
func signalHelper() int {
	k := probes.NewKernel()
	ts, err := k.Expand(&lang.AttachPoint{Provider: lang.Tracepoint, Args: []string{"syscalls", "sys_enter_getppid"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	tp := newTestProgram()
	spec := tp.countMap("c")
	tp.probe("gtsig_begin", lang.Begin, ebpf.RawTracepoint, countInto(spec))
	tp.probe("gtsig_tp", lang.Tracepoint, ebpf.TracePoint, onlyPid(os.Getpid()), ts...)
	// As the command line: the first SIGINT or SIGTERM cancels the run's
	// context, and puts the default action back for a second one.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code, err := runProgram(ctx, nil, tp.p, RunOptions{Kernel: k})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return code
}

// startHelper starts the helper and waits for its Attaching line.
func startHelper(t *testing.T) (*exec.Cmd, *bytes.Buffer, func() string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(pipe)
	line, err := rd.ReadString('\n')
	if line != "Attaching 2 probes...\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("first line %q (%v), stderr:\n%s", line, err, stderr.String())
	}
	rest := func() string {
		b, _ := io.ReadAll(rd)
		return string(b)
	}
	return cmd, &stderr, rest
}

// ourPrograms lists the kernel's programs whose name starts with prefix.
func ourPrograms(t *testing.T, prefix string) []string {
	t.Helper()
	var names []string
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		id = next
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			continue // gone meanwhile
		}
		info, err := p.Info()
		p.Close()
		if err == nil && strings.HasPrefix(info.Name, prefix) {
			names = append(names, fmt.Sprintf("%s (id %d)", info.Name, id))
		}
	}
}

// ourLinks lists the kernel's links whose program's name starts with prefix.
func ourLinks(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		info, err := it.Link.Info()
		if err != nil {
			continue
		}
		p, err := ebpf.NewProgramFromID(info.Program)
		if err != nil {
			continue
		}
		pi, err := p.Info()
		p.Close()
		if err == nil && strings.HasPrefix(pi.Name, prefix) {
			out = append(out, fmt.Sprintf("link %d of %s", it.ID, pi.Name))
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// nothingLeft waits (the kernel frees programs after an RCU grace period)
// until no program or link of ours remains.
func nothingLeft(t *testing.T, prefix string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := append(ourPrograms(t, prefix), ourLinks(t, prefix)...)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testStopSignal(t *testing.T, sig syscall.Signal) {
	needRoot(t)
	cmd, stderr, rest := startHelper(t)
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	out := rest()
	err := cmd.Wait()
	if err != nil || out != "\n\n@c: 1\n" {
		t.Errorf("after %v: %v, output %q, stderr:\n%s", sig, err, out, stderr.String())
	}
	nothingLeft(t, "gtsig_")
}

func TestRunSIGINTPrintsMaps(t *testing.T)  { testStopSignal(t, syscall.SIGINT) }
func TestRunSIGTERMPrintsMaps(t *testing.T) { testStopSignal(t, syscall.SIGTERM) }

// SIGKILL prints nothing, but the fd-based links die with the process.
func TestRunSIGKILLLeavesNothing(t *testing.T) {
	needRoot(t)
	cmd, _, _ := startHelper(t)
	cmd.Process.Kill()
	cmd.Wait()
	nothingLeft(t, "gtsig_")
}
