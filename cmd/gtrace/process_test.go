package main

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
)

// -c, -p and -l for user-space probes, through the command line.

func buildTarget(t *testing.T) string {
	t.Helper()
	return testkit.BuildC(t, "../../probes/testdata/uprobe/target.c", "-O1")
}

func TestCommandFlag(t *testing.T) {
	needRoot(t)
	bin := buildTarget(t)
	code, stdout, stderr := runCLI(t, "", "-e", "uprobe:"+bin+":work { @ = count(); }", "-c", bin+" 3")
	if code != 0 || !strings.Contains(stdout, "@: 3\n") {
		t.Errorf("-c: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "", "-e", "BEGIN { exit(); }", "-c", "/nonexistent/x")
	if code == 0 || !strings.Contains(stderr, "command /nonexistent/x not found") {
		t.Errorf("-c missing: exit %d, %s", code, stderr)
	}
}

func TestPIDFlag(t *testing.T) {
	needRoot(t)
	code, _, stderr := runCLI(t, "", "-p", "4194304", "-e", "BEGIN { exit(); }")
	if code != 1 || stderr != "ERROR: process 4194304 does not exist\n" {
		t.Errorf("-p missing: exit %d, %q", code, stderr)
	}
	bin := buildTarget(t)
	cmd := exec.Command(bin, "2", "1500")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := strconv.Itoa(cmd.Process.Pid)
	code, stdout, stderr := runCLI(t, "", "-p", pid, "-l", "uprobe:libc:getpid")
	if code != 0 || !strings.Contains(stdout, "libc.so") || !strings.HasSuffix(stdout, ":getpid\n") {
		t.Errorf("-p -l: exit %d\n%s%s", code, stdout, stderr)
	}
	// The run ends when the process exits.
	code, stdout, stderr = runCLI(t, "", "-p", pid, "-e", "uprobe:"+bin+":work { @ = count(); }")
	if code != 0 || !strings.Contains(stdout, "@: 2\n") {
		t.Errorf("-p: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestListUserProbes(t *testing.T) {
	bin := buildTarget(t)
	code, stdout, stderr := runCLI(t, "", "-l", "uprobe:"+bin+":wor*")
	if code != 0 || stdout != "uprobe:"+bin+":work\n" {
		t.Errorf("-l uprobe: exit %d, %q %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "-l", "usdt:"+bin+":*")
	if code != 0 || stdout != "usdt:"+bin+":gt:gated\nusdt:"+bin+":gt:mem\nusdt:"+bin+":gt:tick\n" {
		t.Errorf("-l usdt: exit %d, %q %s", code, stdout, stderr)
	}
	// A file without matches lists nothing and succeeds, as in bpftrace.
	for _, pat := range []string{"uprobe:" + bin + ":nosuch*", "usdt:" + bin + ":nosuch:*", "usdt:/bin/true:*"} {
		if code, stdout, stderr := runCLI(t, "", "-l", pat); code != 0 || stdout != "" || stderr != "" {
			t.Errorf("-l %s: exit %d, %q %q", pat, code, stdout, stderr)
		}
	}
	code, _, stderr = runCLI(t, "", "-l", "uprobe:/nonexistent/bin:*")
	if code == 0 || !strings.Contains(stderr, "binary /nonexistent/bin does not exist") {
		t.Errorf("-l missing: exit %d, %q", code, stderr)
	}
}
