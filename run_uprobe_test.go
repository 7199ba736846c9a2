package gtrace

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// User-space probes end to end: a small C program (probes/testdata/uprobe/
// target.c, with hand-written USDT notes) is built with gcc, started by the
// runner as a -c command (or followed with -p), and the maps printed at its
// exit are checked.

// buildUprobeTarget compiles the test program into a temporary directory.
func buildUprobeTarget(t *testing.T) string {
	t.Helper()
	needRoot(t)
	return testkit.BuildC(t, "probes/testdata/uprobe/target.c", "-O1", "-fno-omit-frame-pointer")
}

// runUser compiles and runs src with the given run options and returns
// what it printed. The run must end by itself (the command or process
// exits) within the timeout.
func runUser(t *testing.T, src string, k *probes.Kernel, opts RunOptions, child bool) string {
	t.Helper()
	s, err := Compile(lang.Source{Name: "stdin", Text: src}, Options{Kernel: k, Child: child})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var out, errOut bytes.Buffer
	opts.Stdout, opts.Stderr, opts.Kernel, opts.Quiet = &out, &errOut, k, true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	code, err := s.Run(ctx, opts)
	if err != nil || code != 0 {
		t.Fatalf("run: %d, %v\n%s", code, err, errOut.String())
	}
	if time.Since(start) > 25*time.Second {
		t.Fatalf("the run did not end when the traced process exited")
	}
	return out.String()
}

func TestUprobeCommand(t *testing.T) {
	bin := buildUprobeTarget(t)
	src := strings.ReplaceAll(`
uprobe:BIN:work { @calls = count(); }
uretprobe:BIN:work { @ret = hist(retval); }
uprobe:BIN:greet { @s[str(arg0)] = count(); }
uprobe:BIN:work+0 /arg0 == 2/ { @stack = count(); @where[ustack] = count(); }
uprobe:BIN:greet { @func[func] = count(); }
`, "BIN", bin)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{bin, "6", "0", "300"}}, true)
	for _, want := range []string{
		"@calls: 6\n",
		// work(n) returns 2n: 0 2 4 6 8 10.
		"@ret: \n[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
			"[1]                    0 |                                                    |\n" +
			"[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
			"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
			"[8, 16)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n",
		// greet alternates "hi" and "hello" (the very first read may fail
		// before the string's page is faulted in, as with bpftrace).
		"@s[hello]: ", "@s[hi]: ",
		"@stack: 1\n",
		// func is the probed instruction, printed as its symbol.
		"@func[greet]: ",
		// ustack symbolized from the ELF symbols after the process
		// exited (from the runner's snapshot of its mappings): work at
		// offset 0 (then libc's caller of main: main's frame is not set
		// up yet at work+0).
		"@where[\n    work+0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestUprobeLibraryName(t *testing.T) {
	bin := buildUprobeTarget(t)
	// getpid is called once by the target; other processes are filtered out by comm.
	got := runUser(t, `uprobe:libc:getpid /comm == "target"/ { @n = count(); @p = probe; }`,
		probes.NewKernel(), RunOptions{Command: []string{bin, "1"}}, true)
	if !strings.Contains(got, "@n: 1\n") || !strings.Contains(got, "libc.so") {
		t.Errorf("uprobe:libc:getpid:\n%s", got)
	}
}

func TestUSDTCommand(t *testing.T) {
	bin := buildUprobeTarget(t)
	// gt:gated fires only while its semaphore is set: the kernel sets it
	// because the probe is attached with the reference counter offset.
	src := strings.ReplaceAll(`
usdt:BIN:gt:tick { @ticks = count(); }
usdt:BIN:gated { @gated = count(); }
`, "BIN", bin)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{bin, "4"}}, true)
	if !strings.Contains(got, "@ticks: 4\n") || !strings.Contains(got, "@gated: 4\n") {
		t.Errorf("usdt counts:\n%s", got)
	}
	src = strings.ReplaceAll(`
usdt:BIN:gt:tick { printf("%d %d %d\n", arg0, arg1, arg2); }
usdt:BIN:gt:mem { @mem = sum(arg0); }
`, "BIN", bin)
	got = runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{bin, "3"}}, true)
	if !strings.Contains(got, "0 1000 7\n1 1001 7\n2 1002 7\n") || !strings.Contains(got, "@mem: 3003\n") {
		t.Errorf("usdt args:\n%s", got)
	}
}

func TestUprobePID(t *testing.T) {
	bin := buildUprobeTarget(t)
	// The target waits 1.5 s before calling work 3 times.
	cmd := exec.Command(bin, "3", "1500")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	k := probes.NewKernel()
	k.PID = cmd.Process.Pid
	src := strings.ReplaceAll(`uprobe:BIN:work { @w = count(); } uprobe:libc:getpid { @g = count(); }`, "BIN", bin)
	got := runUser(t, src, k, RunOptions{PID: cmd.Process.Pid}, false)
	// Only the traced process counts: getpid once.
	if !strings.Contains(got, "@w: 3\n") || !strings.Contains(got, "@g: 1\n") {
		t.Errorf("-p:\n%s", got)
	}
}

func TestCommandEndedWhenStopped(t *testing.T) {
	needRoot(t)
	s, err := Compile(lang.Source{Name: "stdin", Text: `uprobe:libc:getpid { @n = count(); }`}, Options{Kernel: probes.NewKernel()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	var out bytes.Buffer
	code, err := s.Run(ctx, RunOptions{Stdout: &out, Stderr: &out, Quiet: true, Command: []string{"sleep", "60"}})
	if err != nil || code != 0 {
		t.Fatalf("run: %d, %v", code, err)
	}
	// The run ends with ctx; the command is sent SIGTERM and reaped.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the run took %v: the command was not ended", d)
	}
}

func TestProcessErrors(t *testing.T) {
	needRoot(t)
	s, err := Compile(lang.Source{Name: "stdin", Text: `BEGIN { @ = 1; }`}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		opts RunOptions
		want string
	}{
		{RunOptions{PID: 999999999}, "process 999999999 does not exist"},
		{RunOptions{Command: []string{"/nonexistent/cmd"}}, "command /nonexistent/cmd not found"},
	} {
		var out bytes.Buffer
		tt.opts.Stdout, tt.opts.Stderr = &out, &out
		code, err := s.Run(context.Background(), tt.opts)
		if code != ExitFailure || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %d, %v; want %q", tt.opts, code, err, tt.want)
		}
	}
	if CheckPID(os.Getpid()) != nil {
		t.Error("CheckPID(self) failed")
	}
}

func TestUprobeWildcardMulti(t *testing.T) {
	bin := buildUprobeTarget(t)
	k := probes.NewKernel()
	s, err := Compile(lang.Source{Name: "stdin", Text: "uprobe:" + bin + ":* { @[probe] = count(); }"}, Options{Kernel: k})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.targets[0]); !probes.UprobeMulti(lang.Uprobe, n) {
		t.Skipf("%d targets: not attached through uprobe_multi on this kernel", n)
	}
	got := runUser(t, "uprobe:"+bin+":* { @[probe] = count(); }", k, RunOptions{Command: []string{bin, "3"}}, false)
	for _, want := range []string{"@[uprobe:" + bin + ":work]: 3\n", "@[uprobe:" + bin + ":greet]: 3\n", "@[uprobe:" + bin + ":main]: 1\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// ustack in its modes and depths, buf() of a user pointer, usym() of a
// data address: the shapes bpftrace 0.17 prints for the same probe
// (checked side by side with -p on this target).
func TestUprobeStackModes(t *testing.T) {
	bin := buildUprobeTarget(t)
	src := strings.ReplaceAll(`uprobe:BIN:greet {
	@b[buf(arg0, 3)] = count(); @r[ustack(raw, 2)] = count(); @p[ustack(perf, 2)] = count();
	@d[ustack(2)] = count(); @one[ustack(1)] = count(); @u[usym(arg0)] = count(); }`, "BIN", bin)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{bin, "4", "0", "300"}}, true)
	for _, re := range []string{
		`(?m)^@b\[hel\]: 2$`,
		`(?m)^@b\[hi\\x00\]: [12]$`,
		`\n@d\[\n    greet\+0\n    main\+\d+\n\]: 4\n`,
		`\n@one\[\n    greet\+0\n\]: 4\n`,
		`\n@p\[\n\t[0-9a-f]+ greet\+0 \(` + regexp.QuoteMeta(bin) + `\)\n\t[0-9a-f]+ main\+\d+ \(` + regexp.QuoteMeta(bin) + `\)\n\]: 4\n`,
		`\n@r\[\n[0-9a-f]+\n[0-9a-f]+\n\]: 4\n`,
		// A string literal's address is in no function: printed in hex.
		`(?m)^@u\[0x[0-9a-f]+\]: 2$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("output does not match %s:\n%s", re, got)
		}
	}
}
