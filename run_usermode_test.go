package gtrace

import (
	"os"
	"regexp"
	"runtime"
	"testing"
	"time"
)

// usermode reads the privilege level of the interrupted code: sampling
// this process while it spins in user space and while it copies from
// /dev/zero in the kernel gives both 1 and 0. BEGIN is 1 and a tracepoint
// 0 (constants, as bpftrace 0.2x folds them). bpftrace 0.17 has no
// usermode: the expectations follow bpftrace's documentation.
func TestUsermode(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("usermode is x86-64 only, as in bpftrace")
	}
	src := `BEGIN { printf("begin %d\n", usermode); }
tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("tracepoint %d\n", usermode); }
profile:hz:997 /pid == $1/ { @[usermode] = count(); }`
	spin := func() {
		os.Getppid()
		zero, err := os.Open("/dev/zero")
		if err != nil {
			t.Fatal(err)
		}
		defer zero.Close()
		buf := make([]byte, 1<<20)
		x := 0
		for end := time.Now().Add(time.Second); time.Now().Before(end); {
			zero.Read(buf) // kernel mode: clearing a MiB
			for i := range 1 << 20 {
				x += i // user mode
			}
		}
		_ = x
	}
	code, stdout, stderr := runScript(t, src, RunOptions{Quiet: true}, spin)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, re := range []string{`(?m)^begin 1$`, `(?m)^tracepoint 0$`, `(?m)^@\[0\]: [1-9]`, `(?m)^@\[1\]: [1-9]`} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("no %s in:\n%s", re, stdout)
		}
	}
}
