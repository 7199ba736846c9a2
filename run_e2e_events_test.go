package gtrace

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// End-to-end tests whose output is checked for its shape or its counts
// rather than against a golden (the events are not deterministic).

// profile samples kernel stacks as map keys: bpftrace's stack key layout,
// one frame per line indented by 4, `sym+off`, at most the asked depth;
// samples taken in user mode have an empty kernel stack: "@[]: N".
func TestE2EProfileKstack(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	code, out, errs := runBin(t, exec.Command(bin, "-e", `profile:hz:99 { @[kstack(3)] = count(); } interval:ms:300 { exit(); }`))
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	head, body, ok := strings.Cut(out, "\n\n\n")
	if !ok || head != "Attaching 2 probes..." {
		t.Fatalf("output:\n%s", out)
	}
	entry := regexp.MustCompile(`^@\[\n(    [A-Za-z_.$0-9]+\+[0-9]+\n){1,3}\]: [0-9]+\n|^@\[\]: [0-9]+\n`)
	n := 0
	for body != "" {
		m := entry.FindString(body)
		if m == "" {
			t.Fatalf("entry %d has not the shape @[\\n    sym+off\\n...]: N:\n%s", n, body)
		}
		body = body[len(m):]
		n++
	}
	if n == 0 {
		t.Errorf("no stacks sampled in 300 ms:\n%s", out)
	}
}

// runScript compiles src and runs it in this process, stopping it after
// trigger has run (or when it exits by itself).
func runScript(t *testing.T, src string, opts RunOptions, trigger func()) (int, string, string) {
	return runScriptUnsafe(t, src, false, opts, trigger)
}

func runScriptUnsafe(t *testing.T, src string, unsafe bool, opts RunOptions, trigger func()) (int, string, string) {
	t.Helper()
	needRoot(t)
	k := probes.NewKernel()
	s, err := Compile(lang.Source{Name: "stdin", Text: src}, Options{Kernel: k, Unsafe: unsafe, Params: []string{strconv.Itoa(os.Getpid())}})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	opts.Stdout, opts.Stderr, opts.Kernel = &stdout, &stderr, k
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	attached := make(chan struct{})
	opts.Stdout = &notifyWriter{w: &stdout, first: attached}
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code, err = s.Run(ctx, opts)
	}()
	select {
	case <-attached:
	case <-done:
	}
	if trigger != nil {
		trigger()
		time.Sleep(50 * time.Millisecond)
		cancel()
	}
	<-done
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

// notifyWriter closes first on the first write (the Attaching line).
type notifyWriter struct {
	w     *bytes.Buffer
	first chan struct{}
	once  bool
}

func (n *notifyWriter) Write(p []byte) (int, error) {
	if !n.once {
		n.once = true
		defer close(n.first)
	}
	return n.w.Write(p)
}

// A software event fires in the test process: page faults on fresh pages.
func TestE2ESoftwarePageFaults(t *testing.T) {
	const pages = 64
	_, out, errs := runScript(t, `software:page-faults:1 /pid == $1/ { @faults = count(); }`, RunOptions{}, func() {
		mem, err := unix.Mmap(-1, 0, pages*os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(mem); i += os.Getpagesize() {
			mem[i] = 1
		}
		unix.Munmap(mem)
	})
	m := regexp.MustCompile(`@faults: ([0-9]+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output:\n%s\nstderr:\n%s", out, errs)
	}
	if n, _ := strconv.Atoi(m[1]); n < pages {
		t.Errorf("%d page faults counted, want at least %d", n, pages)
	}
}

// A ring buffer of one page overflows under a getppid storm: the losses
// are printed, and lines + lost = calls.
func TestE2ELossesSmallRing(t *testing.T) {
	const calls = 20000
	_, out, errs := runScript(t, `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("e\n"); }`, RunOptions{RingBufBytes: os.Getpagesize()}, func() {
		for range calls {
			unix.Getppid()
		}
	})
	lines := strings.Count(out, "e\n")
	lost := 0
	for _, l := range strings.Split(out, "\n") {
		if n, ok := strings.CutPrefix(l, "Lost "); ok {
			v, err := strconv.Atoi(strings.TrimSuffix(n, " events"))
			if err != nil {
				t.Errorf("line %q", l)
			}
			lost += v
		}
	}
	if lost == 0 || lines+lost != calls {
		t.Errorf("%d lines + %d lost, want %d calls with some lost; stderr:\n%s", lines, lost, calls, errs)
	}
	t.Logf("%d printed, %d lost", lines, lost)
}

// A hash map bounded to 10 keys refuses the 11th..20th: the map prints 10
// keys and a warning says how many updates failed and how to raise the
// limit.
func TestE2EMapFull(t *testing.T) {
	_, out, errs := runScript(t, `BEGIN { $i = 0; while ($i < 20) { @m[$i] = $i; $i++; } exit(); }`, RunOptions{MaxMapKeys: 10}, nil)
	if n := strings.Count(out, "@m["); n != 10 {
		t.Errorf("%d keys printed, want 10:\n%s", n, out)
	}
	want := "WARNING: 10 updates of @m were lost: the map was full (10 keys): raise the limit with BPFTRACE_MAP_KEYS_MAX or let @m = hash(N)\n"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr:\n%s\nwant it to contain\n%s", errs, want)
	}
}

// signal() as a statement sends the signal (--unsafe): the test process
// gets SIGUSR1 from its own getppid call.
func TestE2ESignal(t *testing.T) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	defer signal.Stop(ch)
	runScriptUnsafe(t, `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { signal("SIGUSR1"); }`, true, RunOptions{}, func() {
		unix.Getppid()
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Error("no SIGUSR1 within a second of the traced getppid")
		}
	})
}

// A verifier rejection is a script error pointed at the line that made the
// failing instruction, with the verifier's reason, and --dry-run fails.
func TestE2EVerifierRejectionLine(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	code, out, errs := runBin(t, exec.Command(bin, "--dry-run", "-e", "BEGIN { $i = 1;\n  while ($i) { }\n}"))
	want := "stdin:2:10-12: ERROR: the kernel verifier rejected the program of BEGIN: infinite loop detected at insn "
	if code == 0 || out != "" || !strings.HasPrefix(errs, want) || !strings.Contains(errs, "\n  while ($i) { }\n         ~~\n") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant it to start with %q", code, out, errs, want)
	}
}

// reg() reads the probe's pt_regs: at a uprobe on a function's entry the
// instruction pointer is the function's address and arg0 is in di.
func TestE2EReg(t *testing.T) {
	_, out, errs := runScript(t, `uprobe:libc:getppid { printf("%d %d\n", reg("ip") != 0 && reg("sp") != 0, reg("di") == arg0); exit(); }`, RunOptions{}, func() {
		exec.Command("/bin/sh", "-c", ":").Run() // dash calls getppid at startup
		time.Sleep(100 * time.Millisecond)
	})
	switch {
	case strings.Contains(out, "\n1 1\n"):
	case strings.Contains(out, "\n0 ") || strings.Contains(out, "\n1 0\n"):
		t.Errorf("output:\n%s\nstderr:\n%s", out, errs)
	default:
		t.Skipf("no libc getppid call seen (is /bin/sh dash?): %q", out)
	}
}

// usym() resolves in the process the address was taken in: a uprobe on
// libc's getppid, hit by a shell that is still alive when user space
// reads the event, prints "getppid".
func TestE2EUsym(t *testing.T) {
	_, out, errs := runScript(t, `uprobe:libc:getppid /comm == "sh"/ { printf("%s\n", usym(reg("ip"))); exit(); }`, RunOptions{}, func() {
		exec.Command("/bin/sh", "-c", "sleep 0.3").Run() // dash calls getppid at startup
	})
	switch {
	case strings.Contains(out, "\ngetppid\n"):
	case strings.Contains(out, "\n0x"):
		t.Errorf("usym not resolved:\n%s\nstderr:\n%s", out, errs)
	default:
		t.Skipf("no libc getppid call seen (is /bin/sh dash?): %q", out)
	}
}

// system() runs only with --unsafe, its output in order with printf's.
func TestE2ESystemUnsafe(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	script := `BEGIN { printf("a\n"); system("echo %d %s", 42, "x"); printf("b\n"); exit(); }`
	code, out, errs := runBin(t, exec.Command(bin, "--unsafe", "-e", script))
	if want := "Attaching 1 probe...\na\n42 x\nb\n\n\n"; code != 0 || out != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr:\n%s", code, out, want, errs)
	}
	code, out, errs = runBin(t, exec.Command(bin, "-e", script))
	if code != 1 || out != "" || !strings.Contains(errs, "system() is an unsafe function being used in safe mode") {
		t.Errorf("safe mode: exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}
