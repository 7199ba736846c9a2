package gtrace

import (
	"bytes"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/probes"
)

// Hand-built programs: what the code generator will emit, written out with
// asm so the runtime can be tested on its own.

// needRoot is the suite's one root check.
var needRoot = testkit.NeedRoot

// runtimeSpec returns a spec with the runtime maps of codegen.
func runtimeSpec() *ebpf.CollectionSpec {
	return &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			codegen.EventsMap: {Name: "events", Type: ebpf.RingBuf, MaxEntries: 1 << 16},
			codegen.StateMap:  {Name: "state", Type: ebpf.Array, KeySize: 4, ValueSize: codegen.StateSize, MaxEntries: 1},
			codegen.LostMap:   {Name: "lost", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1},
		},
		Programs: map[string]*ebpf.ProgramSpec{},
	}
}

// prologue returns at once unless the run's phase is PhaseRunning (for
// BEGIN: when it is PhaseStopped), by direct map-value access, as codegen
// does. It keeps the context in R6.
func prologue(kind lang.Provider) asm.Instructions {
	notRunning := asm.JNE.Imm(asm.R2, codegen.PhaseRunning, "out")
	if kind == lang.Begin {
		notRunning = asm.JEq.Imm(asm.R2, codegen.PhaseStopped, "out")
	}
	return asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.LoadMapValue(asm.R1, 0, 0).WithReference(codegen.StateMap),
		asm.LoadMem(asm.R2, asm.R1, 0, asm.DWord),
		notRunning,
	}
}

func epilogue() asm.Instructions {
	return asm.Instructions{asm.Mov.Imm(asm.R0, 0).WithSymbol("out"), asm.Return()}
}

// emitRecord reserves a record of the action id and the given u64 words,
// counting a failed reserve in the lost map. label makes its labels unique.
func emitRecord(label string, id uint64, words ...int64) asm.Instructions {
	size := int32(8 * (1 + len(words)))
	insns := asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference(codegen.EventsMap),
		asm.Mov.Imm(asm.R2, size),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, label+"_lost"),
		stDW(asm.R0, 0, int64(id)),
	}
	for i, w := range words {
		insns = append(insns, stDW(asm.R0, int16(8*(i+1)), w))
	}
	insns = append(insns,
		asm.Mov.Reg(asm.R1, asm.R0),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufSubmit.Call(),
		asm.Ja.Label(label+"_done"),
		// lost[LostEvents]++ (the map is per-CPU: a plain add is enough)
		asm.StoreImm(asm.RFP, -4, codegen.LostEvents, asm.Word).WithSymbol(label+"_lost"),
		asm.LoadMapPtr(asm.R1, 0).WithReference(codegen.LostMap),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, label+"_done"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol(label+"_done"),
	)
	return insns
}

// stDW stores a sign-extended 32-bit immediate as a u64 (BPF_ST | BPF_DW,
// which cilium/ebpf's asm.StoreImm refuses to build).
func stDW(dst asm.Register, off int16, v int64) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(asm.DWord), Dst: dst, Offset: off, Constant: v}
}

// countInto adds 1 to the scalar count() map spec (key: a zero u64).
func countInto(mapSpec string) asm.Instructions {
	return asm.Instructions{
		stDW(asm.RFP, -8, 0),
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapSpec),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -8),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "count_new"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
		asm.Ja.Label("count_done"),
		stDW(asm.RFP, -16, 1).WithSymbol("count_new"),
		asm.LoadMapPtr(asm.R1, 0).WithReference(mapSpec),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -8),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, -16),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnMapUpdateElem.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("count_done"),
	}
}

// onlyPid skips the rest of the program unless the current process is pid.
func onlyPid(pid int) asm.Instructions {
	return asm.Instructions{
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.JNE.Imm(asm.R0, int32(pid), "out"),
	}
}

// testProgram assembles a codegen.Program.
type testProgram struct {
	p *codegen.Program
}

func newTestProgram() *testProgram {
	return &testProgram{p: &codegen.Program{Spec: runtimeSpec(), Maps: map[string]*maps.Def{}}}
}

func (tp *testProgram) action(a *codegen.Action) uint64 {
	tp.p.Actions = append(tp.p.Actions, a)
	return uint64(len(tp.p.Actions) - 1)
}

// printf adds a printf action whose int64 arguments follow the action id.
func (tp *testProgram) printf(format string, nargs int) uint64 {
	segs := lang.ParseFormat(format)
	a := &codegen.Action{Kind: codegen.ActPrintf, Format: segs, Size: 8 * (1 + nargs)}
	for i := range nargs {
		a.Args = append(a.Args, codegen.Arg{Offset: 8 * (i + 1), Type: lang.Int64})
	}
	return tp.action(a)
}

// exitRecord is what exit() compiles to: set the stopped flag, then send
// the exit record (which wakes user space and carries the code).
func exitRecord(label string, id uint64, code ...int64) asm.Instructions {
	insns := asm.Instructions{
		asm.LoadMapValue(asm.R1, 0, 0).WithReference(codegen.StateMap),
		stDW(asm.R1, codegen.StateStopped, 1),
	}
	return append(insns, emitRecord(label, id, code...)...)
}

func (tp *testProgram) exit(withCode bool) uint64 {
	a := &codegen.Action{Kind: codegen.ActExit, Size: 8}
	if withCode {
		a.Args = []codegen.Arg{{Offset: 8, Type: lang.Int64}}
		a.Size = 16
	}
	return tp.action(a)
}

// countMap defines the scalar count() map @name.
func (tp *testProgram) countMap(name string) string {
	d := maps.NewDef(name, nil, 0, &lang.Type{Kind: lang.KindCount, Size: 8}, nil, maps.Options{})
	tp.p.Maps[name] = d
	tp.p.Spec.Maps[d.SpecName()] = d.MapSpec()
	return d.SpecName()
}

// probe adds a program for the given targets (one BEGIN/END target when
// none are given).
func (tp *testProgram) probe(name string, kind lang.Provider, typ ebpf.ProgramType, body asm.Instructions, targets ...probes.Target) {
	insns := prologue(kind)
	if kind == lang.End {
		insns = insns[:1] // END runs after the stop: it does not test the flag
	}
	insns = append(insns, body...)
	insns = append(insns, epilogue()...)
	tp.p.Spec.Programs[name] = &ebpf.ProgramSpec{Name: name, Type: typ, Instructions: insns, License: "GPL"}
	if len(targets) == 0 {
		targets = []probes.Target{{Provider: kind, Name: kind.String()}}
	}
	p := &codegen.Probe{Program: name, Provider: kind, Targets: targets}
	for _, t := range targets {
		p.Cookies = append(p.Cookies, uint64(len(tp.p.ProbeNames)))
		tp.p.ProbeNames = append(tp.p.ProbeNames, t.Name)
	}
	tp.p.Probes = append(tp.p.Probes, p)
}

// syncBuffer is a goroutine-safe output buffer that tells when a text
// first appears in it.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	waitFor string
	seen    chan struct{}
}

func newSyncBuffer(waitFor string) *syncBuffer {
	return &syncBuffer{waitFor: waitFor, seen: make(chan struct{})}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	had := strings.Contains(s.b.String(), s.waitFor)
	n, err := s.b.Write(p)
	if !had && s.waitFor != "" && strings.Contains(s.b.String(), s.waitFor) {
		close(s.seen)
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
