package gtrace

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
)

// stackProgram is BEGIN { print(STACK); exit(); } for a stack type, the
// stack taken by bpf_get_stackid with flags.
func stackProgram(t *testing.T, typ *lang.Type, flags int32) string {
	t.Helper()
	tp := newTestProgram()
	const stacks = "stack"
	tp.p.Spec.Maps[stacks] = &ebpf.MapSpec{Name: "stack", Type: ebpf.StackTrace, KeySize: 4, ValueSize: uint32(8 * typ.StackDepth), MaxEntries: 16}
	tp.p.Stacks = map[string]*codegen.StackMap{stacks: {Name: stacks, Depth: typ.StackDepth}}
	id := tp.action(&codegen.Action{Kind: codegen.ActPrintValue, Args: []codegen.Arg{{Offset: 8, Type: typ}}, Size: 16})
	exit := tp.exit(false)
	body := asm.Instructions{
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.LoadMapPtr(asm.R2, 0).WithReference(stacks),
		asm.Mov.Imm(asm.R3, flags),
		asm.FnGetStackid.Call(),
		asm.Mov.Reg(asm.R7, asm.R0),
		asm.LoadImm(asm.R0, 0xffffffff, asm.DWord),
		asm.And.Reg(asm.R7, asm.R0),
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.LSh.Imm(asm.R0, 32),
		asm.Or.Reg(asm.R7, asm.R0), // id | pid<<32, as maps.StackID reads it
		asm.LoadMapPtr(asm.R1, 0).WithReference(codegen.EventsMap),
		asm.Mov.Imm(asm.R2, 16),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		stDW(asm.R0, 0, int64(id)),
		asm.StoreMem(asm.R0, 8, asm.R7, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R0),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufSubmit.Call(),
	}
	body = append(body, exitRecord("e", exit)...)
	tp.probe("gt_stack", lang.Begin, ebpf.RawTracepoint, body)
	var stdout, stderr bytes.Buffer
	if _, err := runProgram(context.Background(), nil, tp.p, RunOptions{Stdout: &stdout, Stderr: &stderr, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	return stdout.String()
}

// The user stack of BEGIN is this test's own call into bpf(2): Go
// functions, resolved from the test binary's symbol table.
func TestRunUstackValue(t *testing.T) {
	needRoot(t)
	const userStack = 1 << 8 // BPF_F_USER_STACK
	out := stackProgram(t, &lang.Type{Kind: lang.KindUStack, Size: 8, StackMode: "perf", StackDepth: 8}, userStack)
	exe, _ := os.Executable()
	if es, err := symbols.Open(exe); err != nil || !es.HasFuncs() {
		// A test binary without symbols: as bpftrace, unresolved frames
		// name no module.
		if !strings.Contains(out, " ([unknown])\n") {
			t.Fatalf("unresolved user frames not marked [unknown]:\n%s", out)
		}
		return
	}
	if !strings.Contains(out, ".test)\n") {
		t.Fatalf("user frames not attributed to the test binary:\n%s", out)
	}
	if !strings.Contains(out, "syscall") {
		t.Errorf("no resolved syscall frame in the user stack:\n%s", out)
	}
}

// BEGIN { print(kstack(3)); } with the stack taken by bpf_get_stackid:
// the frames are the test-run path of the kernel.
func TestRunKstackValue(t *testing.T) {
	needRoot(t)
	out := stackProgram(t, &lang.Type{Kind: lang.KindKStack, Size: 8, StackMode: "bpftrace", StackDepth: 3}, 0)
	if !strings.Contains(out, "\n        bpf_prog_test_run_raw_tp+") && !strings.Contains(out, "\n        __bpf_prog_test_run_raw_tp+") {
		t.Errorf("no test-run frame in the stack:\n%s", out)
	}
}

func TestMissingCapsAsRoot(t *testing.T) {
	needRoot(t)
	if m := missingCaps(); m != nil {
		t.Errorf("root lacks %v", m)
	}
}
