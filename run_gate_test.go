package gtrace

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCommandGateNonDumpable: a gtrace that is not dumpable (started from
// a binary with file capabilities) and has no CAP_SYS_PTRACE may not open
// its own /proc/PID/fd entries from another process; its -c command still
// goes through the gate program. The test runs itself again through
// setpriv without CAP_SYS_PTRACE.
func TestCommandGateNonDumpable(t *testing.T) {
	if os.Getenv("GTRACE_TEST_NONDUMPABLE") == "1" {
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		p, err := startCommand([]string{"true"}, commandStdio{})
		if err != nil {
			t.Fatal(err)
		}
		p.resume()
		<-p.done
		p.end()
		if p.cmd.Path == "/bin/sh" {
			t.Fatalf("the shell gate was used: %v", gateProgramError())
		}
		return
	}
	if gateCode == nil {
		t.Skip("no gate program for " + runtime.GOARCH + ": the shell gate is used")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to drop CAP_SYS_PTRACE with setpriv")
	}
	cmd := exec.Command(setpriv, "--inh-caps=-sys_ptrace", "--bounding-set=-sys_ptrace",
		os.Args[0], "-test.run=^TestCommandGateNonDumpable$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "GTRACE_TEST_NONDUMPABLE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Errorf("%v\n%s", err, out)
	}
}
