package probes

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

func ap(p lang.Provider, args ...string) *lang.AttachPoint {
	a := &lang.AttachPoint{Provider: p, Args: args}
	a.Raw = a.Name()
	return a
}

func names(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestRegistryComplete(t *testing.T) {
	for p := lang.Begin; int(p) < len(lang.Providers); p++ {
		e := Lookup(p)
		if e == nil || e.Kind != p || (e.Target == nil && e.Expand == nil) {
			t.Errorf("provider %s has no registry entry", p)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"sys_enter_*", "sys_enter_openat", true},
		{"sys_enter_*", "sys_exit_openat", false}, {"*open*", "syscalls:sys_enter_openat", true},
		{"sys_?nter_open", "sys_enter_open", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{"open", "openat", false}, {"*at", "openat", true}, {"**", "x", true},
	} {
		if got := Match(tt.pat, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v", tt.pat, tt.s, got)
		}
	}
}

func TestExpandTracepointsFixture(t *testing.T) {
	k := FixtureKernel("testdata/tracefs")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"syscalls", "sys_enter_*"}, "tracepoint:syscalls:sys_enter_open tracepoint:syscalls:sys_enter_openat tracepoint:syscalls:sys_enter_read"},
		{[]string{"*", "sys_enter_openat"}, "tracepoint:syscalls:sys_enter_openat"},
		{[]string{"sched", "*"}, "tracepoint:sched:sched_process_exec tracepoint:sched:sched_switch"},
		{[]string{"*sys*", "sys_enter"}, "tracepoint:raw_syscalls:sys_enter"},
		{[]string{"syscalls", "sys_exit_openat"}, "tracepoint:syscalls:sys_exit_openat"},
	} {
		ts, err := k.Expand(ap(lang.Tracepoint, tt.args...))
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if got := strings.Join(names(ts), " "); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.args, got, tt.want)
		}
		for _, tg := range ts {
			if tg.From == nil || tg.Category == "" || tg.Event == "" {
				t.Errorf("incomplete target %+v", tg)
			}
		}
	}
	for _, args := range [][]string{{"syscalls", "sys_enter_nosuch"}, {"nosuch", "*"}} {
		if _, err := k.Expand(ap(lang.Tracepoint, args...)); err == nil {
			t.Errorf("%v: expected an error", args)
		}
	}
	if tps, err := k.Tracepoints("syscalls", "sys_enter_open*"); err != nil || len(tps) != 2 {
		t.Errorf("Tracepoints = %v, %v", tps, err)
	}
	if tps, err := k.Tracepoints("syscalls", "nosuch"); err != nil || len(tps) != 0 {
		t.Errorf("Tracepoints(nosuch) = %v, %v", tps, err)
	}
	rec, err := k.TracepointArgs("sched", "sched_process_exec")
	if err != nil || rec.Member("filename") == nil || !rec.Member("filename").DataLoc {
		t.Errorf("TracepointArgs = %v, %v", rec, err)
	}
}

func TestListFixtureMatchesBpftrace(t *testing.T) {
	k := FixtureKernel("testdata/tracefs")
	for _, tt := range []struct {
		pattern, golden string
		verbose         bool
	}{
		{"tracepoint:*", "testdata/list_tracepoints.golden", false},
		{"tracepoint:*", "testdata/list_tracepoints_v.golden", true},
		{"t:*:*", "testdata/list_tracepoints_v.golden", true},
	} {
		var b bytes.Buffer
		if err := k.List(tt.pattern, &b, tt.verbose); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(tt.golden)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("List(%q, v=%v):\n%s\nwant:\n%s", tt.pattern, tt.verbose, b.String(), want)
		}
	}
}

func TestListOthers(t *testing.T) {
	k := FixtureKernel("testdata/tracefs")
	for _, tt := range []struct {
		pattern string
		verbose bool
		want    string
	}{
		{"tracepoint:syscalls:sys_enter_open*", false, "tracepoint:syscalls:sys_enter_open\ntracepoint:syscalls:sys_enter_openat\n"},
		{"*open*", false, "tracepoint:syscalls:sys_enter_open\ntracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_exit_openat\n"},
		{"iter:*", true, "iter:task\n    struct task_struct * task\niter:task_file\n    struct task_struct * task\n    int fd\n    struct file * file\n"},
		{"software:c*", false, "software:context-switches:\nsoftware:cpu-clock:\nsoftware:cpu-migrations:\n"},
		{"s:cpu-clock", false, "software:cpu-clock:\n"},
		{"hardware:*cycles", false, "hardware:bus-cycles:\nhardware:cpu-cycles:\nhardware:ref-cycles:\n"},
	} {
		var b bytes.Buffer
		if err := k.List(tt.pattern, &b, tt.verbose); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("List(%q):\n%s\nwant:\n%s", tt.pattern, b.String(), tt.want)
		}
	}
	var b bytes.Buffer
	if err := k.List("nosuch:*", &b, false); err == nil {
		t.Error("List(nosuch:*) succeeded")
	}
	if err := k.List("interval:*", &b, false); err == nil {
		t.Error("List(interval:*) succeeded")
	}
}

func TestSoftwareHardware(t *testing.T) {
	k := FixtureKernel("testdata/tracefs")
	for _, tt := range []struct {
		a      *lang.AttachPoint
		config uint64
		period uint64
		name   string
	}{
		{ap(lang.Software, "cpu-clock"), unix.PERF_COUNT_SW_CPU_CLOCK, 1000000, "software:cpu-clock"},
		{ap(lang.Software, "cpu", "5000"), unix.PERF_COUNT_SW_CPU_CLOCK, 5000, "software:cpu:5000"},
		{ap(lang.Software, "faults"), unix.PERF_COUNT_SW_PAGE_FAULTS, 100, "software:faults"},
		{ap(lang.Software, "cs"), unix.PERF_COUNT_SW_CONTEXT_SWITCHES, 1000, "software:cs"},
		{ap(lang.Hardware, "cycles", "1000"), unix.PERF_COUNT_HW_CPU_CYCLES, 1000, "hardware:cycles:1000"},
		{ap(lang.Hardware, "branches"), unix.PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000, "hardware:branches"},
	} {
		ts, err := k.Expand(tt.a)
		if err != nil {
			t.Errorf("%s: %v", tt.a.Raw, err)
			continue
		}
		p := ts[0].Perf
		if len(ts) != 1 || p == nil || p.Config != tt.config || p.Period != tt.period || ts[0].Name != tt.name {
			t.Errorf("%s: %+v %+v", tt.a.Raw, ts[0], p)
		}
	}
	ts, err := k.Expand(ap(lang.Software, "*faults"))
	if err != nil || len(ts) != 5 {
		t.Errorf("software:*faults = %v, %v", names(ts), err)
	}
	for _, a := range []*lang.AttachPoint{ap(lang.Software, "nosuch"), ap(lang.Software, "cpu", "0"), ap(lang.Software, "cpu", "x")} {
		if _, err := k.Expand(a); err == nil {
			t.Errorf("%s: expected an error", a.Raw)
		}
	}
}

func TestIntervalProfile(t *testing.T) {
	for _, tt := range []struct {
		kind   lang.Provider
		args   []string
		period uint64
		freq   uint64
	}{
		{lang.Interval, []string{"s", "1"}, 1e9, 0},
		{lang.Interval, []string{"ms", "100"}, 100e6, 0},
		{lang.Interval, []string{"us", "500"}, 500e3, 0},
		{lang.Interval, []string{"hz", "10"}, 100e6, 0},
		{lang.Interval, []string{"1s"}, 1e9, 0},
		{lang.Interval, []string{"250ms"}, 250e6, 0},
		{lang.Interval, []string{"2m"}, 120e9, 0},
		{lang.Interval, []string{"1000000"}, 1e6, 0},
		{lang.Profile, []string{"hz", "99"}, 0, 99},
		{lang.Profile, []string{"ms", "10"}, 10e6, 0},
		{lang.Profile, []string{"10us"}, 10e3, 0},
	} {
		ev, err := ParseRate(tt.kind, tt.args)
		if err != nil {
			t.Errorf("%s %v: %v", tt.kind, tt.args, err)
			continue
		}
		if ev.Period != tt.period || ev.Freq != tt.freq || ev.AllCPUs != (tt.kind == lang.Profile) || ev.Config != unix.PERF_COUNT_SW_CPU_CLOCK {
			t.Errorf("%s %v = %+v", tt.kind, tt.args, ev)
		}
	}
	for _, args := range [][]string{{"x", "1"}, {"s", "0"}, {"s", "-1"}, {"s", "1.5"}, {"1parsec"}, {"s"}, {"ms"}, {"hz", "abc"}} {
		if _, err := ParseRate(lang.Interval, args); err == nil {
			t.Errorf("ParseRate(%v) succeeded", args)
		}
	}
	k := FixtureKernel("testdata/tracefs")
	ts, err := k.Expand(ap(lang.Interval, "s", "1"))
	if err != nil || ts[0].Name != "interval:s:1" {
		t.Errorf("interval:s:1 = %v %v", ts, err)
	}
	if _, err := k.Expand(ap(lang.Profile, "hz", "*")); err == nil {
		t.Error("profile wildcard accepted")
	}
}

func TestOtherTargets(t *testing.T) {
	k := FixtureKernel("testdata/tracefs")
	good := []struct {
		a    *lang.AttachPoint
		name string
		chk  func(Target) bool
	}{
		{ap(lang.Begin), "BEGIN", nil},
		{ap(lang.End), "END", nil},
		{ap(lang.Kprobe, "vfs_read"), "kprobe:vfs_read", func(t Target) bool { return t.Func == "vfs_read" }},
		{ap(lang.Kprobe, "vfs_read+16"), "kprobe:vfs_read+16", func(t Target) bool { return t.Func == "vfs_read" && t.Offset == 16 }},
		{ap(lang.Kprobe, "ext4", "ext4_sync_fs"), "kprobe:ext4:ext4_sync_fs", func(t Target) bool { return t.Category == "ext4" && t.Func == "ext4_sync_fs" }},
		{ap(lang.Uprobe, "/bin/bash", "readline"), "uprobe:/bin/bash:readline", func(t Target) bool { return t.Path == "/bin/bash" && t.Func == "readline" }},
		{ap(lang.Watchpoint, "0x1000", "8", "wr"), "watchpoint:0x1000:8:wr", func(t Target) bool { return t.Addr == 0x1000 && t.Watch.Len == 8 && t.Watch.Mode == "rw" }},
		{ap(lang.AsyncWatchpoint, "f+arg1", "4", "w"), "asyncwatchpoint:f+arg1:4:w", func(t Target) bool { return t.Func == "f" && t.Offset == 1 }},
		{ap(lang.Iter, "task"), "iter:task", nil},
		{ap(lang.SelfProbe, "signal", "SIGUSR1"), "self:signal:SIGUSR1", nil},
		{ap(lang.RawTracepoint, "sched_switch"), "rawtracepoint:sched_switch", nil},
		{ap(lang.Fentry, "mod", "fn"), "fentry:mod:fn", func(t Target) bool { return t.Category == "mod" && t.Func == "fn" }},
	}
	for _, tt := range good {
		ts, err := k.Expand(tt.a)
		if err != nil {
			t.Errorf("%s: %v", tt.a.Raw, err)
			continue
		}
		if len(ts) != 1 || ts[0].Name != tt.name || ts[0].Provider != tt.a.Provider || (tt.chk != nil && !tt.chk(ts[0])) {
			t.Errorf("%s = %+v", tt.a.Raw, ts)
		}
	}
	for _, a := range []*lang.AttachPoint{
		ap(lang.Kretprobe, "f+1"), ap(lang.Watchpoint, "0x1000", "3", "w"), ap(lang.Watchpoint, "0x1000", "8", "rwx"),
		ap(lang.Watchpoint, "0x1000", "8", "ww"), ap(lang.Watchpoint, "zz", "8", "w"), ap(lang.Iter, "nosuch"),
		ap(lang.SelfProbe, "signal", "SIGINT"), ap(lang.Tracepoint, "onlyone"), ap(lang.Uprobe, "/nonexistent/*", "f*"),
	} {
		if _, err := k.Expand(a); err == nil {
			t.Errorf("%s: expected an error", a.Raw)
		}
	}
	// Raw tracepoint wildcards come from the tracefs event names, minus syscalls:*.
	ts, err := k.Expand(ap(lang.RawTracepoint, "sys_e*"))
	if err != nil || strings.Join(names(ts), " ") != "rawtracepoint:sys_enter" {
		t.Errorf("rawtracepoint:sys_e* = %v, %v", names(ts), err)
	}
}

func TestParseSymbols(t *testing.T) {
	syms, err := symbols.ParseKallsyms(strings.NewReader("ffffffff81000000 T _stext\nffffffff81000010 t vfs_read\nffffffff81000020 D data\n" +
		"ffffffff81000030 t foo.cold\nffffffff81000040 t __pfx_vfs_read\nffffffff81000050 t ext4_sync_fs\t[ext4]\nffffffff81000010 T vfs_read\n" +
		"ffffffff81000060 t finish_task_switch.isra.0\nffffffff81000070 t bar.part.0\nffffffff81000080 t baz.constprop.0.cold\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(kallsymsFuncs(syms), " "); got != "_stext ext4_sync_fs finish_task_switch.isra.0 vfs_read" {
		t.Errorf("kallsymsFuncs = %s", got)
	}
	ff := parseFilterFunctions([]byte("vfs_read\nfoo.part.0\next4_sync_fs [ext4]\n"))
	if got := strings.Join(ff, " "); got != "ext4_sync_fs vfs_read" {
		t.Errorf("parseFilterFunctions = %s", got)
	}
}

func TestTracefsFromMounts(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(dir+"/my tracing", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir+"/my tracing/events", 0o755); err != nil {
		t.Fatal(err)
	}
	esc := strings.ReplaceAll(dir+"/my tracing", " ", `\040`)
	mounts := dir + "/mounts"
	os.WriteFile(mounts, []byte("proc /proc proc rw 0 0\nnodev "+esc+" tracefs rw,relatime 0 0\n"), 0o644)
	if got := tracefsFromMounts(mounts); got != dir+"/my tracing" {
		t.Errorf("tracefsFromMounts = %q", got)
	}
	if got := tracefsFromMounts(dir + "/nosuch"); got != "" {
		t.Errorf("tracefsFromMounts(missing) = %q", got)
	}
}

func TestTableEnv(t *testing.T) {
	e := &TableEnv{Structs: map[string]*lang.Type{"struct x": {Kind: lang.KindRecord, Name: "struct x"}}}
	data, _ := os.ReadFile("testdata/tracefs/events/syscalls/sys_enter_openat/format")
	if err := e.AddFormat("syscalls", "sys_enter_openat", string(data)); err != nil {
		t.Fatal(err)
	}
	if tps, _ := e.Tracepoints("sys*", "*"); len(tps) != 1 {
		t.Errorf("Tracepoints = %v", tps)
	}
	if rec, err := e.TracepointArgs("syscalls", "sys_enter_openat"); err != nil || rec.Member("filename") == nil {
		t.Errorf("TracepointArgs = %v, %v", rec, err)
	}
	if _, err := e.TracepointArgs("syscalls", "nosuch"); err == nil {
		t.Error("missing tracepoint gave no error")
	}
	if s, _ := e.Struct("struct x"); s == nil {
		t.Error("Struct(struct x) = nil")
	}
}

// TestEnvMatchesSema keeps the restated interface in kernel.go in step
// with lang/sema/env.go without importing sema.
func TestEnvMatchesSema(t *testing.T) {
	src, err := os.ReadFile("../lang/sema/env.go")
	if err != nil {
		t.Skip("lang/sema/env.go not found:", err)
	}
	for _, sig := range []string{
		"Tracepoints(category, event string) ([]string, error)",
		"TracepointArgs(category, event string) (*lang.Type, error)",
		"Struct(name string) (*lang.Type, error)",
		"Enumerator(name string) (value int64, ok bool, err error)",
	} {
		if !bytes.Contains(src, []byte(sig)) {
			t.Errorf("sema.Env no longer declares %s: update probes.env and Kernel", sig)
		}
	}
}

// notAttached lists the providers without an Attach step, each with why.
var notAttached = map[lang.Provider]string{
	lang.Begin:     "run by user space through BPF_PROG_TEST_RUN",
	lang.End:       "run by user space through BPF_PROG_TEST_RUN",
	lang.SelfProbe: "run by user space when its signal arrives",
	lang.Iter:      "BPF iterators are not attached yet",
}

// Every provider is registered, and attaches through its entry unless
// notAttached says why not.
func TestRegistryAttach(t *testing.T) {
	for kind := lang.Begin; int(kind) < len(lang.Providers); kind++ {
		e := Lookup(kind)
		if e == nil {
			t.Errorf("%s has no registry entry", kind)
			continue
		}
		_, skip := notAttached[kind]
		if (e.Attach == nil) != skip {
			t.Errorf("%s: Attach set = %v, but notAttached lists it = %v", kind, e.Attach != nil, skip)
		}
	}
}
