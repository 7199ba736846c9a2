package gtrace

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testkit"
)

// End-to-end tests: the gtrace binary runs scripts from source with real
// events, and its stdout is compared with golden text made by bpftrace
// v0.17 running the same scenario (go test -run E2E -bpftrace rewrites
// testdata/run/*.out from /usr/bin/bpftrace).

var regenWithBpftrace = flag.Bool("bpftrace", false, "rewrite the end-to-end goldens by running bpftrace")

// tracer returns the binary under test: the freshly built gtrace, or
// bpftrace when regenerating goldens, or the one GTRACE_TEST_BINARY names
// (scripts/vmtest's guest has a static gtrace and no Go toolchain).
func tracer(t *testing.T) string {
	t.Helper()
	needRoot(t)
	if *regenWithBpftrace {
		return "/usr/bin/bpftrace"
	}
	if bin := os.Getenv("GTRACE_TEST_BINARY"); bin != "" {
		return bin
	}
	return testkit.Gtrace(t)
}

// scenario is one end-to-end run: a script, its arguments, and what to do
// once the tracer has attached (trigger events, send a signal).
type scenario struct {
	name   string
	script string
	args   func(env *scenarioEnv) []string
	// after runs once the Attaching line is out; nil waits for the tracer
	// to exit by itself.
	after func(t *testing.T, env *scenarioEnv)
	// shell starts the traced shell (shellOpens, or shellScript) first.
	shell       bool
	shellScript string
	// gtraceOnly: bpftrace 0.17 cannot run it; the golden is written by
	// hand in bpftrace's format.
	gtraceOnly bool
}

// scenarioEnv holds helper processes a scenario traces.
type scenarioEnv struct {
	tracer *exec.Cmd
	child  *exec.Cmd
	stdin  io.WriteCloser
}

// startShell starts `sh -c script` blocked on reading a line, so the
// tracer can filter on its pid before it does anything.
func (e *scenarioEnv) startShell(t *testing.T, script string) {
	t.Helper()
	e.child = exec.Command("/bin/sh", "-c", "read x; "+script)
	w, err := e.child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	e.stdin = w
	if err := e.child.Start(); err != nil {
		t.Fatal(err)
	}
}

// release lets the shell go on and waits for it.
func (e *scenarioEnv) release(t *testing.T) {
	t.Helper()
	io.WriteString(e.stdin, "go\n")
	e.stdin.Close()
	if err := e.child.Wait(); err != nil {
		t.Fatal(err)
	}
}

var scenarios = []scenario{
	{name: "begin_printf_exit", script: `BEGIN { printf("hi\n"); exit(); }`},
	{name: "interval_exit", script: `interval:ms:100 { exit(); }`},
	{
		name:   "openat_count_sigint",
		script: `tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[comm] = count(); }`,
		shell:  true,
		args: func(env *scenarioEnv) []string {
			return []string{strconv.Itoa(env.child.Process.Pid)}
		},
		after: func(t *testing.T, env *scenarioEnv) {
			env.release(t)
			env.tracer.Process.Signal(syscall.SIGINT)
		},
	},
	{
		name:   "openat_args_sigterm",
		script: `tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("%s %s\n", comm, str(args->filename)); @n = count(); }`,
		shell:  true,
		args: func(env *scenarioEnv) []string {
			return []string{strconv.Itoa(env.child.Process.Pid)}
		},
		after: func(t *testing.T, env *scenarioEnv) {
			env.release(t)
			time.Sleep(50 * time.Millisecond) // let the events be printed
			env.tracer.Process.Signal(syscall.SIGTERM)
		},
	},
	{
		name:   "maps_at_exit",
		script: `BEGIN { @c = count(); @c = count(); @a = avg(10); @a = avg(21); @k[1] = 10; @k[2] = 5; @m2[1,"x"] = 3; @m2[2,"y"] = 1; @st = stats(10); @st = stats(21); @t = (1, "two", 3); exit(); }`,
	},
	{name: "end_after_exit", script: `END { printf("end %d\n", @x); } BEGIN { @x = 5; exit(); }`},
	{
		name:   "wildcard_probe_sigint",
		script: `tracepoint:syscalls:sys_enter_getpp*,tracepoint:syscalls:sys_enter_getpgid /pid == $1/ { @[probe] = count(); }`,
		args:   selfPid,
		after:  getppidThenSignal,
	},
	{
		// join stops at argv's NULL (what follows in memory is envp).
		name:        "join_execve",
		script:      `tracepoint:syscalls:sys_enter_execve /pid == $1/ { join(args->argv); join(args->argv, ","); exit(); }`,
		shell:       true,
		shellScript: "exec /bin/true one 'two three' 4",
		args: func(env *scenarioEnv) []string {
			return []string{strconv.Itoa(env.child.Process.Pid)}
		},
		after: func(t *testing.T, env *scenarioEnv) { env.release(t) },
	},
	{
		// SIGUSR1 prints every map as print(@m) does, then the run goes on.
		name:   "sigusr1_maps",
		script: `BEGIN { @a = 1; @b[1] = count(); @h = hist(5); printf("hi\n"); }`,
		after: func(t *testing.T, env *scenarioEnv) {
			time.Sleep(100 * time.Millisecond)
			env.tracer.Process.Signal(syscall.SIGUSR1)
			time.Sleep(300 * time.Millisecond) // let the maps be printed
			env.tracer.Process.Signal(syscall.SIGINT)
		},
	},
	{
		name:       "rawtracepoint_sigint",
		script:     `rawtracepoint:sys_enter /pid == $1 && arg1 == 110/ { @n = count(); }`,
		args:       selfPid,
		after:      getppidThenSignal,
		gtraceOnly: true, // rawtracepoint is bpftrace 0.18+
	},
}

// selfPid traces the test process itself.
func selfPid(*scenarioEnv) []string { return []string{strconv.Itoa(os.Getpid())} }

// getppidThenSignal makes three getppid calls (syscall 110 on x86-64) and
// sends SIGINT.
func getppidThenSignal(t *testing.T, env *scenarioEnv) {
	for range 3 {
		syscall.Getppid()
	}
	env.tracer.Process.Signal(syscall.SIGINT)
}

// shellOpens is what the traced shell does: three openat calls, named.
const shellOpens = ": < /etc/hostname; : < /etc/passwd; : < /etc/hostname"

func TestE2E(t *testing.T) {
	bin := tracer(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.gtraceOnly && *regenWithBpftrace {
				t.Skip("bpftrace 0.17 cannot run it")
			}
			out := runScenario(t, bin, sc)
			checkGolden(t, sc.name, out)
		})
	}
}

// checkGolden compares a scenario's stdout with testdata/run/NAME.out,
// made by bpftrace 0.17 (-bpftrace rewrites it).
func checkGolden(t *testing.T, name, out string) {
	t.Helper()
	testkit.GoldenBy(t, filepath.Join("testdata", "run", name+".out"), out, *regenWithBpftrace, "go test -run E2E -bpftrace")
}

func runScenario(t *testing.T, bin string, sc scenario) string {
	t.Helper()
	env := &scenarioEnv{}
	if sc.shell {
		script := shellOpens
		if sc.shellScript != "" {
			script = sc.shellScript
		}
		env.startShell(t, script)
		defer env.child.Process.Kill()
	}
	args := []string{"-e", sc.script}
	if sc.args != nil {
		args = append(args, sc.args(env)...)
	}
	cmd := exec.Command(bin, args...)
	env.tracer = cmd
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	rd := bufio.NewReader(pipe)
	first, _ := rd.ReadString('\n')
	if sc.after != nil {
		if !strings.HasPrefix(first, "Attaching ") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("first line %q, stderr:\n%s", first, stderr.String())
		}
		if *regenWithBpftrace {
			time.Sleep(time.Second) // bpftrace prints the line before it attaches
		}
		sc.after(t, env)
	}
	rest, _ := io.ReadAll(rd)
	if err := cmd.Wait(); err != nil {
		t.Errorf("%s: %v\nstderr:\n%s", filepath.Base(bin), err, stderr.String())
	}
	return first + string(rest)
}

// runBin runs the tracer with args and returns exit code, stdout, stderr.
func runBin(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func TestE2EDryRun(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("bpftrace 0.17 has no --dry-run")
	}
	code, out, errs := runBin(t, exec.Command(bin, "--dry-run", "-e", `tracepoint:syscalls:sys_enter_openat { @[comm] = count(); } BEGIN { printf("hi\n"); }`))
	if code != 0 || out != "" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

// Environment failures end with 255 and one line saying what to do.
func TestE2EAttachFailures(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	for _, tc := range []struct {
		name, script, want string
		nobody             bool
	}{
		{"kprobe", `kprobe:do_nanosleep { @ = count(); }`, "kprobe", false},
		{"not root", `BEGIN { printf("hi\n"); exit(); }`, "root", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-e", tc.script)
			if tc.nobody {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			}
			code, _, errs := runBin(t, cmd)
			lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
			if code != 255 || len(lines) != 1 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr:\n%s", code, errs)
			}
		})
	}
}

// Every event is accounted for: under a storm of getppid calls the lines
// printed plus the "Lost N events" reported equal the calls made.
func TestE2ELossesCounted(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	const calls = 300000
	cmd := exec.Command(bin, "-e", `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("e\n"); }`, strconv.Itoa(os.Getpid()))
	rd, stderr, stop := startTracer(t, cmd, 20*time.Second)
	defer stop()
	outc := make(chan string)
	go func() {
		b, _ := io.ReadAll(rd)
		outc <- string(b)
	}()
	for range calls {
		syscall.Getppid()
	}
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	out := <-outc
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	lines := strings.Count(out, "e\n")
	var lost int
	for _, l := range strings.Split(out, "\n") {
		if n, ok := strings.CutPrefix(l, "Lost "); ok {
			v, _ := strconv.Atoi(strings.TrimSuffix(n, " events"))
			lost += v
		}
	}
	if lines+lost != calls {
		t.Errorf("%d lines + %d lost = %d, want %d calls", lines, lost, lines+lost, calls)
	}
	t.Logf("%d printed, %d lost", lines, lost)
}
