package gtrace

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// A kprobe the kernel refuses while attaching is skipped with bpftrace
// 0.17's warning when its clause keeps a target; a clause left with
// nothing is the kernel's error. (Attaching itself is proved where
// kprobes work: scripts/vmtest, TestBpftraceTools.)
func TestKprobeSkips(t *testing.T) {
	kp := func(fn string) probes.Target {
		return probes.Target{Provider: lang.Kprobe, Name: "kprobe:" + fn, Func: fn}
	}
	prog := &codegen.Program{Probes: []*codegen.Probe{
		{Clause: 0, Provider: lang.Kprobe, Targets: []probes.Target{kp("a_start"), kp("__a_start")}},
		{Clause: 1, Provider: lang.Kprobe, Targets: []probes.Target{kp("b_start"), kp("__b_start")}},
		{Clause: 2, Provider: lang.Kprobe, Targets: []probes.Target{kp("alone")}},
	}}
	refused := errors.New("attach kprobe: refused")
	s := newKprobeSkips(prog)
	p := prog.Probes
	if !s.skip(p[0], &p[0].Targets[0], refused) {
		t.Error("first of two refused: want it skipped")
	}
	s.attached(0, 1)
	if !s.skip(p[1], &p[1].Targets[0], refused) {
		t.Error("first of two refused: want it skipped")
	}
	if s.skip(p[1], &p[1].Targets[1], refused) {
		t.Error("both of a clause refused: the last one must fail the run")
	}
	if s.skip(p[2], &p[2].Targets[0], refused) {
		t.Error("a clause of one kprobe: its refusal must fail the run")
	}
	var w bytes.Buffer
	if err := s.finish(&w, true); !errors.Is(err, refused) {
		t.Errorf("finish: %v, want the refusal of clause 1", err)
	}
	want := "attach kprobe: refused\nWARNING: could not attach probe kprobe:a_start, skipping.\n"
	if w.String() != want {
		t.Errorf("stderr %q, want %q", w.String(), want)
	}
	if s.count != 2 {
		t.Errorf("skipped %d, want 2", s.count)
	}
}
