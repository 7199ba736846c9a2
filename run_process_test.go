package gtrace

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCommandGate: a -c command waits at the gate and runs only when
// resume opens it; a gate that closes without the word (gtrace died before
// resuming it) ends the command without running it.
func TestCommandGate(t *testing.T) {
	dir := t.TempDir()
	for _, open := range []bool{true, false} {
		ran := filepath.Join(dir, "ran")
		os.Remove(ran)
		p, err := startCommand([]string{"touch", ran}, commandStdio{})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := os.Stat(ran); err == nil {
			t.Fatal("the command ran before the gate opened")
		}
		if open {
			p.resume()
		} else {
			p.gate.Close() // what the kernel does when gtrace dies
			p.gate = nil
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the command did not end")
		}
		_, err = os.Stat(ran)
		if open && err != nil {
			t.Errorf("resumed, but the command did not run: %v", err)
		}
		if !open && err == nil {
			t.Errorf("the gate closed without the word, yet the command ran")
		}
		p.end()
	}
}

// TestCommandGateProgram: where the gate program exists, -c commands go
// through it (not the shell gate), keep their pid (cpid), and inherit
// neither the gate pipe nor the gate program's memfd.
func TestCommandGateProgram(t *testing.T) {
	if gateCode == nil {
		t.Skip("no gate program for " + runtime.GOARCH + ": the shell gate is used")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	p, err := startCommand([]string{"sleep", "10"}, commandStdio{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.end()
	if p.cmd.Path == "/bin/sh" {
		t.Fatalf("the shell gate was used: %v", gateProgramError())
	}
	proc := "/proc/" + strconv.Itoa(p.pid)
	gatePipe, err := os.Readlink(proc + "/fd/3")
	if err != nil || !strings.HasPrefix(gatePipe, "pipe:") {
		t.Fatalf("the gate waits on fd 3 -> %q (%v), want a pipe", gatePipe, err)
	}
	p.resume()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if exe, _ := os.Readlink(proc + "/exe"); exe == sleep {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never became %s", p.pid, sleep)
		}
	}
	fds, err := os.ReadDir(proc + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		// (fds 0-2 and whatever the test itself inherited without
		// close-on-exec, as a shell's job control leaves.)
		target, _ := os.Readlink(proc + "/fd/" + fd.Name())
		if target == gatePipe || strings.Contains(target, "gtrace-gate") {
			t.Errorf("the command inherited fd %s -> %s", fd.Name(), target)
		}
	}
}

// gateProgramError is why the gate program cannot be used, or nil.
func gateProgramError() error {
	_, err := gateProgram()
	return err
}

// TestCommandGateExecFails: a command the kernel cannot execute (no
// interpreter line, not a program) is reported on stderr and exits 127.
func TestCommandGateExecFails(t *testing.T) {
	if gateCode == nil {
		t.Skip("no gate program for " + runtime.GOARCH + ": the shell gate is used")
	}
	bad := filepath.Join(t.TempDir(), "notaprogram")
	if err := os.WriteFile(bad, []byte("garbage\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	p, err := startCommand([]string{bad}, commandStdio{err: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	p.resume()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not end")
	}
	p.end()
	if code := p.cmd.ProcessState.ExitCode(); code != 127 || stderr.String() != gateExecFailed {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
