package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The -c command lives and dies with gtrace (issue 13): it never runs
// unless gtrace let it run after attaching, and it does not outlive gtrace
// however gtrace ends.

// startGtrace starts the gtrace command (this test binary by that name)
// with its stdout on a pipe.
func startGtrace(t *testing.T, args ...string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("gtrace stderr:\n%s", stderr.String())
		}
	})
	return cmd, out
}

// readUntilPrefix reads lines until one starts with prefix and returns the
// rest of it.
func readUntilPrefix(t *testing.T, r *bufio.Reader, prefix string) string {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(strings.TrimPrefix(line, prefix))
		}
		if err != nil {
			t.Fatalf("no %q line: %v", prefix, err)
		}
	}
}

// processGone reports whether pid has exited (gone, or a zombie nobody
// reaped yet) within the timeout.
func processGone(pid int, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			return true
		}
	}
	return false
}

// TestCommandDiesWithGtrace: killing gtrace with SIGKILL, or closing the
// pipe it writes to (`gtrace ... | head -1`), ends the -c command too, as
// bpftrace's child dies with it.
func TestCommandDiesWithGtrace(t *testing.T) {
	needRoot(t)
	prog := `BEGIN { printf("cpid %d\n", cpid); } interval:ms:20 { printf("tick\n"); }`
	for _, end := range []string{"kill -9", "head -1"} {
		t.Run(end, func(t *testing.T) {
			cmd, out := startGtrace(t, "-B", "line", "-e", prog, "-c", "sleep 1000")
			cpid, err := strconv.Atoi(readUntilPrefix(t, bufio.NewReader(out), "cpid "))
			if err != nil {
				t.Fatal(err)
			}
			if processGone(cpid, 100*time.Millisecond) {
				t.Fatalf("the command %d is not running", cpid)
			}
			switch end {
			case "kill -9":
				cmd.Process.Kill()
			case "head -1":
				out.Close() // the next tick writes into a closed pipe
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case err := <-waited:
				t.Logf("gtrace ended: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("gtrace still runs 10 s after its output was closed")
			}
			if !processGone(cpid, 5*time.Second) {
				syscall.Kill(cpid, syscall.SIGKILL)
				t.Fatalf("the command %d outlived gtrace (%s)", cpid, end)
			}
		})
	}
}

// childOf returns the pid of a child of parent, or 0. It reads the
// threads' children lists (CONFIG_PROC_CHILDREN), a few small files that a
// loaded machine still reads in well under a millisecond, and scans the
// whole of /proc only without them.
func childOf(parent int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", parent))
	if len(tasks) > 0 {
		for _, f := range tasks {
			b, _ := os.ReadFile(f)
			if fs := strings.Fields(string(b)); len(fs) > 0 {
				pid, _ := strconv.Atoi(fs[0])
				return pid
			}
		}
		return 0
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(st[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(parent) {
			return pid
		}
	}
	return 0
}

// TestCommandNeverRunsUntraced: gtrace is killed or sent SIGTERM as soon
// as its -c command exists, at several moments during code generation,
// loading and attaching (before its signal handlers are set, for the
// earliest). The command, which creates a file, may run only if gtrace
// let it run after BEGIN; it must never run with nothing attached.
func TestCommandNeverRunsUntraced(t *testing.T) {
	needRoot(t)
	// Several probes, so that loading and attaching take a while.
	prog := `BEGIN { printf("begun\n"); }
		tracepoint:sched:sched_process_exec { @e[comm] = count(); }
		tracepoint:sched:sched_process_fork { @f[comm] = count(); }
		tracepoint:syscalls:sys_enter_openat { @o[comm] = count(); }
		interval:ms:50 { @i = count(); }`
	dir := t.TempDir()
	untouched := 0
	for i, delay := range []time.Duration{0, 0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond} {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
			name := fmt.Sprintf("%s after %v (%d)", sig, delay, i)
			ran := filepath.Join(dir, fmt.Sprintf("ran-%d-%d", i, sig))
			cmd, out := startGtrace(t, "-B", "line", "-e", prog, "-c", "touch "+ran)
			var stdout syncBuffer
			copied := make(chan struct{})
			go func() { io.Copy(&stdout, out); close(copied) }()
			child, ended := 0, false
			for deadline := time.Now().Add(30 * time.Second); child == 0 && !ended && time.Now().Before(deadline); {
				child = childOf(cmd.Process.Pid)
				select {
				case <-copied:
					ended = true // the whole run came and went between two looks
				default:
					// BEGIN ran, so the command was let run and may have
					// come and gone between two looks; gtrace may take
					// long to exit on a loaded machine (the kernel's
					// release of its tracepoints waits for others').
					ended = child == 0 && strings.Contains(stdout.String(), "begun")
				}
			}
			if child == 0 && !ended {
				cmd.Process.Kill()
				<-copied
				t.Fatalf("%s: gtrace started no command: %v\n%s", name, cmd.Wait(), stdout.String())
			}
			time.Sleep(delay)
			cmd.Process.Signal(sig)
			<-copied
			cmd.Wait()
			if child != 0 && !processGone(child, 5*time.Second) {
				syscall.Kill(child, syscall.SIGKILL)
				t.Errorf("%s: the command outlived gtrace", name)
			}
			_, err := os.Stat(ran)
			switch {
			case err == nil && !strings.Contains(stdout.String(), "begun"):
				t.Errorf("%s: the command ran, but gtrace never ran BEGIN:\n%s", name, stdout.String())
			case err != nil:
				untouched++
			}
		}
	}
	if untouched == 0 {
		t.Errorf("every command ran: no signal arrived before gtrace let it run, the test proves nothing")
	}
	t.Logf("%d of 12 runs ended before the command was let run", untouched)
}
