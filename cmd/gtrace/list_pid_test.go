package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// -l with -p lists the uprobes (and usdt probes) of the process: its
// executable first, named /proc/PID/root/PATH, exactly as bpftrace 0.17
// lists them (checked against the installed bpftrace), then its
// libraries, as later bpftrace versions do. A search pattern may come
// before -p.
func TestListPID(t *testing.T) {
	needRoot(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	// bash waits in its read builtin: no child left behind.
	proc := exec.Command(bash, "-c", "read x")
	stdin, err := proc.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); proc.Wait() }()
	pid := strconv.Itoa(proc.Process.Pid)
	// Until the dynamic loader has mapped libc.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if maps, _ := os.ReadFile("/proc/" + pid + "/maps"); strings.Contains(string(maps), "/libc.so") {
			break
		}
	}
	exe, _ := os.Readlink("/proc/" + pid + "/exe")
	prefix := "uprobe:/proc/" + pid + "/root" + exe + ":"
	for _, args := range [][]string{{"-l", "-p", pid}, {"-l", "uprobe:*readline*", "-p", pid}, {"-p", pid, "-l", "*readline*"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, prefix) || !strings.Contains(out, prefix+"readline\n") {
			t.Fatalf("gtrace %q: exit %d, stderr %s, stdout begins:\n%.300s", args, code, errs, out)
		}
		if args[1] == "-p" && !strings.Contains(out, "/libc.so") {
			t.Errorf("gtrace %q lists no libc function", args)
		}
		if strings.Contains(out, "tracepoint:") {
			t.Errorf("gtrace %q lists kernel probes", args)
		}
		if _, err := os.Stat("/usr/bin/bpftrace"); err != nil {
			continue
		}
		want, err := exec.Command("/usr/bin/bpftrace", args...).Output()
		if err != nil {
			t.Fatalf("bpftrace %q: %v", args, err)
		}
		if len(want) == 0 || !strings.HasPrefix(out, string(want)) {
			t.Errorf("gtrace %q does not begin with bpftrace 0.17's %d bytes:\n%.300s", args, len(want), want)
		}
	}
}
