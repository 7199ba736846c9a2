package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
)

// needRoot is the suite's one root check.
var needRoot = testkit.NeedRoot

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-B", "bogus", "-e", "BEGIN {}"}, "-B must be none, line or full"},
		{[]string{"-d", "llvm", "-e", "BEGIN {}"}, "unknown -d stage"},
		{[]string{"-f", "xml", "-e", "BEGIN {}"}, "Invalid output format"},
		{[]string{"--nosuch"}, "unrecognized option"},
		{[]string{"-l", "nosuch:x"}, `unknown probe type "nosuch"`},
		{[]string{"-l", "a", "b"}, "one search pattern"},
	} {
		code, stdout, stderr := runCLI(t, "", tc.args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 1 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

func TestVersionAndHelp(t *testing.T) {
	for _, args := range [][]string{{"-V"}, {"--version"}} {
		code, stdout, _ := runCLI(t, "", args...)
		if code != 0 || !strings.HasPrefix(stdout, "gtrace v") {
			t.Errorf("%q: exit %d, stdout %q", args, code, stdout)
		}
	}
	code, stdout, stderr := runCLI(t, "", "-h")
	if stdout != "" {
		t.Errorf("-h wrote %q on stdout; bpftrace writes its help on stderr", stdout)
	}
	for _, want := range []string{"-l, --list", "-B, --buffering", "-k, --warnings", "--info", "BPFTRACE_MAX_STRLEN"} {
		if code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("help lacks %q (exit %d)", want, code)
		}
	}
}

func TestEnvSettings(t *testing.T) {
	t.Setenv("BPFTRACE_STRLEN", "32")
	t.Setenv("BPFTRACE_MAX_MAP_KEYS", "100")
	t.Setenv("BPFTRACE_MAP_KEYS_MAX", "200") // the newer name wins
	t.Setenv("BPFTRACE_PERF_RB_PAGES", "3")
	s, err := envSettings()
	if err != nil || s.strlen != 32 || s.mapKeys != 100 || s.rbPages != 3 {
		t.Fatalf("%+v, %v", s, err)
	}
	if got := s.ringBytes(); got != 4*os.Getpagesize() {
		t.Errorf("ring bytes %d, want 4 pages (rounded up to a power of two)", got)
	}
	t.Setenv("BPFTRACE_STRLEN", "300")
	if _, err := envSettings(); err == nil || !strings.Contains(err.Error(), "BPFTRACE_STRLEN=300") {
		t.Errorf("got %v", err)
	}
	t.Setenv("BPFTRACE_STRLEN", "x")
	code, _, stderr := runCLI(t, "", "-e", "BEGIN {}")
	if code != 1 || !strings.Contains(stderr, `BPFTRACE_STRLEN="x"`) {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestStrlenSetting: the string size comes from the environment first,
// then the config block, then the default 64, as -d types shows.
func TestStrlenSetting(t *testing.T) {
	prog := `config = { max_strlen = 16 } BEGIN { $s = str(0); }`
	_, stdout, stderr := runCLI(t, "", "-d", "types", "-e", prog)
	if !strings.Contains(stdout, "string[16]") {
		t.Errorf("config max_strlen ignored:\n%s%s", stdout, stderr)
	}
	t.Setenv("BPFTRACE_MAX_STRLEN", "24")
	_, stdout, _ = runCLI(t, "", "-d", "types", "-e", prog)
	if !strings.Contains(stdout, "string[24]") {
		t.Errorf("environment does not outrank config:\n%s", stdout)
	}
}

func TestBuffering(t *testing.T) {
	var b bytes.Buffer
	lw := newBufferedWriter(&b, "line")
	lw.Write([]byte("a\nb"))
	if b.String() != "a\n" {
		t.Errorf("line mode wrote %q", b.String())
	}
	lw.Write([]byte("c\n"))
	if b.String() != "a\nbc\n" {
		t.Errorf("line mode wrote %q", b.String())
	}
	b.Reset()
	fw := newBufferedWriter(&b, "full")
	fw.Write([]byte("x\n"))
	if b.Len() != 0 {
		t.Errorf("full mode wrote before the buffer filled")
	}
	fw.Flush()
	if b.String() != "x\n" {
		t.Errorf("full mode flushed %q", b.String())
	}
}

func TestListSearch(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls"); err != nil {
		t.Skip("needs tracefs with syscall tracepoints (root)")
	}
	code, stdout, stderr := runCLI(t, "", "-lv", "tracepoint:syscalls:sys_enter_openat")
	want := "tracepoint:syscalls:sys_enter_openat\n    int __syscall_nr\n    int dfd\n    const char * filename\n    int flags\n    umode_t mode\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	// With a program, -l lists what it would attach (bpftrace 0.21+).
	code, stdout, stderr = runCLI(t, "", "-l", "-e", "tracepoint:syscalls:sys_enter_openat* { } interval:s:1 { } BEGIN { }")
	want = "tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_enter_openat2\ninterval:s:1\nBEGIN\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	script := filepath.Join(t.TempDir(), "s.bt")
	os.WriteFile(script, []byte("tracepoint:sched:sched_process_exit { }\n"), 0o644)
	code, stdout, _ = runCLI(t, "", "-l", script)
	if code != 0 || stdout != "tracepoint:sched:sched_process_exit\n" {
		t.Errorf("script file: exit %d, %q", code, stdout)
	}
}

func TestDumpAsm(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "-d", "asm", "-e", `BEGIN { printf("hi\n"); }`)
	if code != 0 || !strings.Contains(stdout, `; printf("hi\n")`) || !strings.Contains(stdout, "BEGIN") {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "-d", "all", "-e", `BEGIN { @x = 1; }`)
	if code != 0 || !strings.HasPrefix(stdout, "Program") || !strings.Contains(stdout, "map @x") || !strings.Contains(stdout, "instructions)") {
		t.Errorf("-d all: exit %d\n%s", code, stdout)
	}
}

// TestExitCodes: exit(N) gives N, accepted -k/-kk/-I/--include change
// nothing, and print_maps_on_exit = false keeps the maps unprinted.
func TestExitCodes(t *testing.T) {
	needRoot(t)
	code, stdout, stderr := runCLI(t, "", "-kk", "-I", "/tmp", "--include", "linux/sched.h", "-B", "none",
		"-e", `BEGIN { printf("x\n"); exit(7); }`)
	if code != 7 || stdout != "Attaching 1 probe...\nx\n\n\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "-q", "-e", `config = { print_maps_on_exit = false } BEGIN { @a = 1; exit(); }`)
	if code != 0 || strings.Contains(stdout, "@a") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	code, _, _ = runCLI(t, "", "-e", `BEGIN { nosuch(); }`)
	if code != 1 {
		t.Errorf("semantic error: exit %d, want 1", code)
	}
}

func TestInfo(t *testing.T) {
	needRoot(t)
	code, stdout, stderr := runCLI(t, "", "--info")
	for _, want := range []string{"System\n  OS: Linux", "Kernel features\n", "ringbuf: ", "Probe types\n", "tracepoint: ",
		"profile/interval/software: ", "hardware: ", "effective capabilities: "} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("--info lacks %q (exit %d)\n%s%s", want, code, stdout, stderr)
		}
	}
	// Every "no" has its line under "Missing, and how to fix it", and the
	// advice is for users, not for Go programmers.
	_, missing, _ := strings.Cut(stdout, "Missing, and how to fix it\n")
	for _, l := range strings.Split(stdout, "\n") {
		if name, ok := strings.CutSuffix(strings.TrimSpace(l), ": no"); ok && !strings.Contains(missing, "  "+name+": ") {
			t.Errorf("%s is missing without a fix", name)
		}
	}
	if strings.Contains(stdout, "RemoveMemlock") {
		t.Errorf("--info gives cilium/ebpf's advice to programmers:\n%s", stdout)
	}
}

// TestDoubleDash: one `--` ends the options and is dropped wherever it
// stands, as with bpftrace's getopt.
func TestDoubleDash(t *testing.T) {
	prog := `BEGIN { printf("%s %d\n", str($1), $#); exit(); }`
	c := &config{}
	fs := newFlagSet(c, &bytes.Buffer{})
	fs.Parse([]string{"-e", prog, "a", "--", "b"})
	if got := operands(fs); len(got) != 2 || got[1] != "b" {
		t.Errorf("operands %q, want [a b]", got)
	}
	fs = newFlagSet(c, &bytes.Buffer{})
	fs.Parse([]string{"-e", prog, "--", "a", "--", "b"})
	if got := operands(fs); len(got) != 3 || got[1] != "--" {
		t.Errorf("operands %q, want [a -- b]", got)
	}
	if os.Geteuid() == 0 {
		code, stdout, stderr := runCLI(t, "", "-q", "-e", prog, "a", "--", "b")
		if code != 0 || !strings.HasPrefix(stdout, "a 2\n") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	}
}

// TestStackMode: a stack with no mode written takes BPFTRACE_STACK_MODE,
// else the config block's stack_mode; a written mode stays.
func TestStackMode(t *testing.T) {
	compile := func(src string) *gtrace.Script {
		t.Helper()
		env, err := envSettings()
		if err != nil {
			t.Fatal(err)
		}
		s, err := gtrace.Compile(lang.Source{Name: "stdin", Text: src}, gtrace.Options{StackMode: env.stackMode})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	prog := `profile:hz:99 { @k[kstack] = count(); @u[ustack(3)] = count(); @r[kstack(raw)] = count(); }`
	modes := func(s *gtrace.Script) string {
		return s.Info.Maps["k"].Key.StackMode + " " + s.Info.Maps["u"].Key.StackMode + " " + s.Info.Maps["r"].Key.StackMode
	}
	if got := modes(compile(prog)); got != "bpftrace bpftrace raw" {
		t.Errorf("default: %s", got)
	}
	if got := modes(compile("config = { stack_mode = perf } " + prog)); got != "perf perf raw" {
		t.Errorf("config: %s", got)
	}
	t.Setenv("BPFTRACE_STACK_MODE", "raw")
	if got := modes(compile("config = { stack_mode = perf } " + prog)); got != "raw raw raw" {
		t.Errorf("environment over config: %s", got)
	}
	t.Setenv("BPFTRACE_STACK_MODE", "fancy")
	if code, _, stderr := runCLI(t, "", "-e", "BEGIN {}"); code != 1 || !strings.Contains(stderr, "BPFTRACE_STACK_MODE") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

// TestMaxProbes: a limit set in the environment or the config block stops
// a script that attaches more probes, with bpftrace's message and exit 1.
func TestMaxProbes(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls"); err != nil {
		t.Skip("needs tracefs with syscall tracepoints (root)")
	}
	prog := `tracepoint:syscalls:sys_enter_openat* { }`
	code, _, stderr := runCLI(t, "", "--dry-run", "-e", "config = { max_probes = 1 } "+prog)
	if code != 1 || !strings.Contains(stderr, "ERROR: Can't attach to 2 probes because it exceeds the current limit of 1 probes.") {
		t.Errorf("config: exit %d, %q", code, stderr)
	}
	t.Setenv("BPFTRACE_MAX_PROBES", "5")
	if code, _, stderr := runCLI(t, "", "--dry-run", "-e", "config = { max_probes = 1 } "+prog); code == 1 {
		t.Errorf("environment over config: exit %d, %q", code, stderr)
	}
}

// TestListTypes: `-l 'struct GLOB'` lists kernel types from BTF and -lv
// prints their C definitions as bpftrace does (the texts below are
// bpftrace 0.17's on Linux 6.18).
func TestListTypes(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs kernel BTF")
	}
	for _, tc := range []struct{ args, want string }{
		{"-l|struct path", "struct path\n"},
		{"-lv|struct path", "struct path {\n\tstruct vfsmount *mnt;\n\tstruct dentry *dentry;\n};\n\n"},
		{"-lv|struct callback_head", "struct callback_head {\n\tstruct callback_head *next;\n\tvoid (*func)(struct callback_head *);\n};\n\n"},
		{"-lv|struct qstr", "struct qstr {\n\tunion {\n\t\tstruct {\n\t\t\tu32 hash;\n\t\t\tu32 len;\n\t\t};\n\t\tu64 hash_len;\n\t};\n\tconst unsigned char *name;\n};\n\n"},
	} {
		code, stdout, stderr := runCLI(t, "", strings.Split(tc.args, "|")...)
		if code != 0 || stdout != tc.want {
			t.Errorf("%s: exit %d\n%s%s--- want\n%s", tc.args, code, stdout, stderr, tc.want)
		}
	}
	// Qualified pointers, function pointers returning pointers, and the
	// padding of cache-line aligned members.
	_, stdout, _ := runCLI(t, "", "-lv", "struct super_block")
	if want := xattrMember(t); !strings.Contains(stdout, want) {
		t.Errorf("const pointer: want %q in\n%s", want, stdout)
	}
	_, stdout, _ = runCLI(t, "", "-lv", "struct Qdisc_ops")
	if !strings.Contains(stdout, "\tstruct sk_buff * (*dequeue)(struct Qdisc *);\n") {
		t.Errorf("function pointer:\n%s", stdout)
	}
	_, stdout, _ = runCLI(t, "", "-lv", "struct cfs_rq")
	if !strings.Contains(stdout, "\tlong: 64;\n") {
		t.Errorf("padding:\n%s", stdout)
	}
}

func TestHelperErrorsRecorded(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{{nil, 0}, {[]string{"-k"}, 1}, {[]string{"-kk"}, 2}, {[]string{"-k", "--warnings"}, 2}} {
		var c config
		fs := newFlagSet(&c, &bytes.Buffer{})
		if err := fs.Parse(append(tc.args, "-e", "BEGIN {}")); err != nil {
			t.Fatal(err)
		}
		script, err := gtrace.Compile(lang.Source{Name: "stdin", Text: "BEGIN {}"}, gtrace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := runOptions(script, &c, settings{}, nil, nil, nil).HelperErrors; got != tc.want {
			t.Errorf("%q: HelperErrors %d, want %d", tc.args, got, tc.want)
		}
	}
}

// xattrMember is how super_block.s_xattr prints on this kernel: a const
// pointer to const pointers since 6.6, plain pointers before.
func xattrMember(t *testing.T) string {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Skip("no kernel BTF:", err)
	}
	var sb *btf.Struct
	if err := spec.TypeByName("super_block", &sb); err != nil {
		t.Skip("no struct super_block:", err)
	}
	for _, m := range sb.Members {
		if m.Name != "s_xattr" {
			continue
		}
		if p, ok := m.Type.(*btf.Pointer); ok {
			if _, ok := p.Target.(*btf.Const); ok {
				return "\tconst struct xattr_handler * const *s_xattr;\n"
			}
		}
		return "\tconst struct xattr_handler **s_xattr;\n"
	}
	t.Skip("struct super_block has no s_xattr here")
	return ""
}
