package gtrace

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

func TestKsymsLookup(t *testing.T) {
	needRoot(t) // kallsyms addresses read as zero without privilege
	var k ksyms
	k.load()
	if len(k.addrs) < 1000 {
		t.Fatalf("%d kernel symbols", len(k.addrs))
	}
	i := len(k.addrs) / 2
	for i+1 < len(k.addrs) && k.addrs[i+1] <= k.addrs[i]+1 {
		i++ // an address with one symbol and room after it
	}
	name, off, ok := k.lookup(k.addrs[i] + 1)
	if !ok || off != 1 || name == "" {
		t.Errorf("lookup(%#x+1) = %s+%d, %v; want %s+1", k.addrs[i], name, off, ok, k.names[i])
	}
	if _, _, ok := k.lookup(1); ok {
		t.Error("address 1 resolved")
	}
}

// BEGIN { print(kstack(3)); } with the stack taken by bpf_get_stackid:
// the frames are the test-run path of the kernel.
func TestRunKstackValue(t *testing.T) {
	needRoot(t)
	tp := newTestProgram()
	const stacks = "kstack_3"
	tp.p.Spec.Maps[stacks] = &ebpf.MapSpec{Name: "kstack_3", Type: ebpf.StackTrace, KeySize: 4, ValueSize: 8 * 3, MaxEntries: 16}
	tp.p.Stacks = map[string]*codegen.StackMap{stacks: {Name: stacks, Depth: 3}}
	kstack := &lang.Type{Kind: lang.KindKStack, Size: 8, StackMode: "bpftrace", StackDepth: 3}
	id := tp.action(&codegen.Action{Kind: codegen.ActPrintValue, Args: []codegen.Arg{{Offset: 8, Type: kstack}}, Size: 16})
	exit := tp.exit(false)
	body := asm.Instructions{
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.LoadMapPtr(asm.R2, 0).WithReference(stacks),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnGetStackid.Call(),
		asm.Mov.Reg(asm.R7, asm.R0),
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
	tp.probe("gt_kstack", lang.Begin, ebpf.RawTracepoint, body)
	var stdout, stderr bytes.Buffer
	if _, err := runProgram(context.Background(), nil, tp.p, RunOptions{Stdout: &stdout, Stderr: &stderr, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
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
