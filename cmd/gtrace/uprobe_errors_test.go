package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Bad input to user-space probes, through the command line: each is one
// error line naming what was not found (then the script line and its
// underline), exit 1 and nothing on stdout.
func TestUserProbeBadInput(t *testing.T) {
	bin := buildTarget(t)
	stripped := filepath.Join(t.TempDir(), "stripped")
	if out, err := exec.Command("strip", "-o", stripped, bin).CombinedOutput(); err != nil {
		t.Skipf("strip: %v %s", err, out)
	}
	truncated := filepath.Join(t.TempDir(), "truncated")
	if data, err := os.ReadFile(bin); err != nil || os.WriteFile(truncated, data[:3000], 0o755) != nil {
		t.Fatal("cannot write a truncated copy of the target")
	}
	for _, c := range []struct{ script, want string }{
		{"uprobe:TRUNCATED:work {}", "TRUNCATED is a truncated or corrupt ELF file (EOF)"},
		{"uprobe:/etc/passwd:f {}", "/etc/passwd is not an ELF file"},
		{"uprobe:/nonexistent/bin:f {}", "binary /nonexistent/bin does not exist"},
		{"uprobe:nosuchlib:f {}", "binary nosuchlib not found (not a path, a command in $PATH or a library known to ld.so.cache)"},
		{"uprobe:BIN:nosuch {}", "function nosuch not found in BIN"},
		{"uprobe:BIN:nosuch* {}", "no function matches nosuch* in BIN"},
		{"uprobe:STRIPPED:work {}", "STRIPPED has no symbols (stripped binary): cannot find work; probe an address instead (uprobe:STRIPPED:0xADDR)"},
		{"usdt:BIN:gt:nosuch {}", "usdt probe gt:nosuch not found in BIN"},
		{"usdt:BIN:nosuch {}", "usdt probe nosuch not found in BIN"},
		{"uretprobe:BIN:work+4 {}", "uretprobe does not take an offset"},
		{"uprobe:BIN:0x1 {}", "address 0x1 is not in an executable segment of BIN"},
	} {
		script := strings.NewReplacer("TRUNCATED", truncated, "STRIPPED", stripped, "BIN", bin).Replace(c.script)
		want := strings.NewReplacer("TRUNCATED", truncated, "STRIPPED", stripped, "BIN", bin).Replace(c.want)
		code, stdout, stderr := runCLI(t, "", "-e", script)
		first, _, _ := strings.Cut(stderr, "\n")
		if code != 1 || stdout != "" || !strings.HasPrefix(first, "stdin:1:") || !strings.HasSuffix(first, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s\nwant a line ending %q", script, code, stdout, stderr, want)
		}
	}
}

// uprobe:bin:fn+off inside an instruction is refused, and only warned
// about with --unsafe, in bpftrace's words.
func TestUprobeOffsetInsideInstruction(t *testing.T) {
	bin := buildTarget(t)
	// work's first instruction is longer than a byte in any build gcc
	// makes of it (endbr64, or an instruction using %edi).
	code, stdout, stderr := runCLI(t, "", "-d", "asm", "-e", "uprobe:"+bin+":work+1 {}")
	want := "stdin:1:1-"
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, ": ERROR: Could not add uprobe into middle of instruction: "+bin+":work+1\n") {
		t.Fatalf("work+1: exit %d, %q, %s", code, stdout, stderr)
	}
	_, _, stderr = runCLI(t, "", "--unsafe", "-d", "asm", "-e", "uprobe:"+bin+":work+1 {}")
	if !strings.Contains(stderr, ": WARNING: Unsafe uprobe in the middle of the instruction: "+bin+":work+1\n") {
		t.Errorf("--unsafe work+1: %s", stderr)
	}
}

// A -p process that is gone before gtrace starts is an error; one that
// exits while traced ends the run.
func TestPIDGone(t *testing.T) {
	needRoot(t)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	code, stdout, stderr := runCLI(t, "", "-p", pid, "-e", "uprobe:libc:getpid { @ = count(); }")
	if code != 1 || stdout != "" || stderr != "ERROR: process "+pid+" does not exist\n" {
		t.Errorf("-p gone: exit %d, %q, %q", code, stdout, stderr)
	}
	bin := buildTarget(t)
	cmd = exec.Command(bin, "1", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	start := time.Now()
	code, _, stderr = runCLI(t, "", "-p", strconv.Itoa(cmd.Process.Pid), "-e", "uprobe:"+bin+":work { @ = count(); }")
	if code != 0 || time.Since(start) > 10*time.Second {
		t.Errorf("-p exiting: exit %d after %v, %s", code, time.Since(start), stderr)
	}
}
