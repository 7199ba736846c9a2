package probes

import (
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
)

// counterProg returns a program of the given type that adds addCookie ?
// bpf_get_attach_cookie() : 1 to word 0 of a one-element array.
func counterProg(t *testing.T, typ ebpf.ProgramType, addCookie bool) (*ebpf.Program, *ebpf.Map) {
	t.Helper()
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	insns := asm.Instructions{asm.Mov.Imm(asm.R7, 1)}
	if addCookie {
		insns = append(insns, asm.FnGetAttachCookie.Call(), asm.Mov.Reg(asm.R7, asm.R0))
	}
	insns = append(insns,
		asm.StoreImm(asm.RFP, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, m.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.StoreXAdd(asm.R0, asm.R7, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: typ, Instructions: insns, License: "GPL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prog.Close() })
	return prog, m
}

func readCounter(t *testing.T, m *ebpf.Map) uint64 {
	t.Helper()
	var v uint64
	if err := m.Lookup(uint32(0), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func expandOne(t *testing.T, k *Kernel, p lang.Provider, args ...string) *Target {
	t.Helper()
	ts, err := k.Expand(&lang.AttachPoint{Provider: p, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	return &ts[0]
}

func TestAttachTracepointCookie(t *testing.T) {
	needRoot(t)
	k := NewKernel()
	prog, m := counterProg(t, ebpf.TracePoint, true)
	a, err := k.Attach(expandOne(t, k, lang.Tracepoint, "syscalls", "sys_enter_getppid"), prog, 7)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		unix.Getppid()
	}
	got := readCounter(t, m)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got < 70 || got%7 != 0 {
		t.Errorf("counter %d: want a multiple of the cookie 7, at least 70", got)
	}
}

func TestAttachRawTracepoint(t *testing.T) {
	needRoot(t)
	k := NewKernel()
	prog, m := counterProg(t, ebpf.RawTracepoint, false)
	a, err := k.Attach(expandOne(t, k, lang.RawTracepoint, "sys_enter"), prog, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		unix.Getppid()
	}
	got := readCounter(t, m)
	a.Close()
	if got < 10 {
		t.Errorf("counter %d, want at least 10", got)
	}
}

func TestAttachInterval(t *testing.T) {
	needRoot(t)
	k := NewKernel()
	prog, m := counterProg(t, ebpf.PerfEvent, false)
	a, err := k.Attach(expandOne(t, k, lang.Interval, "ms", "10"), prog, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Enable(); err != nil { // perf events start disabled
		t.Fatal(err)
	}
	if len(a.Links) != 1 {
		t.Errorf("interval has %d links, want 1", len(a.Links))
	}
	time.Sleep(120 * time.Millisecond)
	got := readCounter(t, m)
	a.Close()
	if got < 5 || got > 20 {
		t.Errorf("interval:ms:10 fired %d times in 120 ms", got)
	}
}

func TestAttachProfileEveryCPU(t *testing.T) {
	needRoot(t)
	k := NewKernel()
	prog, m := counterProg(t, ebpf.PerfEvent, false)
	a, err := k.Attach(expandOne(t, k, lang.Profile, "hz", "1000"), prog, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Enable(); err != nil { // perf events start disabled
		t.Fatal(err)
	}
	cpus, _ := OnlineCPUs()
	if len(a.Links) != len(cpus) {
		t.Errorf("profile has %d links, want one per CPU (%d)", len(a.Links), len(cpus))
	}
	time.Sleep(50 * time.Millisecond)
	got := readCounter(t, m)
	a.Close()
	if got == 0 {
		t.Error("profile:hz:1000 never fired")
	}
}

func TestAttachErrors(t *testing.T) {
	needRoot(t)
	k := NewKernel()
	prog, _ := counterProg(t, ebpf.TracePoint, false)
	_, err := k.Attach(&Target{Provider: lang.Begin, Name: "BEGIN"}, prog, 0)
	if err == nil {
		t.Error("attaching BEGIN succeeded")
	}
	kp, _ := counterProg(t, ebpf.Kprobe, false)
	_, err = k.Attach(&Target{Provider: lang.Kprobe, Name: "kprobe:do_nanosleep", Func: "do_nanosleep"}, kp, 0)
	if err == nil {
		t.Skip("this kernel has kprobes")
	}
	t.Log(err)
}

func TestParseCPUList(t *testing.T) {
	for in, want := range map[string]int{"0": 1, "0-3": 4, "0-3,5,7-8": 7} {
		got, err := parseCPUList(in)
		if err != nil || len(got) != want {
			t.Errorf("parseCPUList(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "a", "3-1"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("parseCPUList(%q) accepted", bad)
		}
	}
}
