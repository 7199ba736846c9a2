package codegen

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// notEmitted names the builtins and functions sema accepts that codegen
// cannot compile yet, each with the reason. Compiling one of them fails
// with ErrUnsupported; the test fails when one compiles, so the list
// shrinks as emitters are written.
var notEmitted = map[string]string{
	"skboutput":    "bpf_skb_output to a pcap file: not written yet",
	"percpu_kaddr": "needs the per-CPU offset table (bpf_per_cpu_ptr and a kallsyms address)",
	"getopt":       "bpftrace 0.24's named program options (--name=value after the script): not parsed yet",
}

// TestEmittersMatchSema compiles a use of every builtin and function the
// checker registers (sema.Builtins with sema.BuiltinSample, sema.Funcs
// with sema.Samples): each compiles, or is in notEmitted and fails as
// unsupported. Codegen's emitter tables hold no name sema does not know.
func TestEmittersMatchSema(t *testing.T) {
	k := probes.NewKernel() // kernel structs for curtask, ppid and the like
	if _, err := k.Spec(); err != nil {
		t.Skipf("kernel BTF is needed for the task_struct builtins: %v", err)
	}
	samples := map[string]sema.Sample{}
	for name := range sema.Builtins {
		s, ok := sema.BuiltinSample(name)
		if !ok {
			t.Errorf("builtin %s: no sample", name)
			continue
		}
		samples[name] = s
	}
	for name := range sema.Funcs {
		s, ok := sema.Samples[name]
		if !ok {
			t.Errorf("function %s: no sample in sema.Samples", name)
			continue
		}
		samples[name] = s
	}
	for _, name := range slices.Sorted(maps.Keys(samples)) {
		s := samples[name]
		src := s.Probe + " { " + s.Stmt + " }"
		err := compileSample(k, src)
		reason, waits := notEmitted[name]
		switch {
		case waits && err == nil:
			t.Errorf("%s compiles: remove it from notEmitted (%s)", name, reason)
		case waits && !errors.Is(err, ErrUnsupported):
			t.Errorf("%s: %v; want ErrUnsupported while it is in notEmitted", name, err)
		case !waits && err != nil:
			t.Errorf("%s: %s: %v", name, src, err)
		}
	}
	for name := range notEmitted {
		if _, ok := samples[name]; !ok {
			t.Errorf("notEmitted lists %s, which sema does not register", name)
		}
	}
	for name := range builtinEmitters {
		if sema.Builtins[name] == nil {
			t.Errorf("builtin emitter for %s, which sema does not register", name)
		}
	}
	for name := range builtinMemEmitters {
		if sema.Builtins[name] == nil {
			t.Errorf("builtin emitter for %s, which sema does not register", name)
		}
	}
	for name := range funcEmitters {
		if sema.Funcs[name] == nil {
			t.Errorf("function emitter for %s, which sema does not register", name)
		}
	}
}

// compileSample parses, checks and compiles src with one hand-made target
// per attach point (no kernel lookup: the sample probes need not exist).
func compileSample(k *probes.Kernel, src string) error {
	s := lang.Source{Name: "stdin", Text: src}
	prog, diags := parse.Parse(s, parse.Options{})
	if diags.HasErrors() {
		return diags.Err()
	}
	info, diags := sema.Check(prog, sema.Options{Env: k, Unsafe: true, HasChild: true})
	if diags.HasErrors() {
		return diags.Err()
	}
	var targets [][]probes.Target
	for _, pr := range prog.Probes {
		var ts []probes.Target
		for _, ap := range pr.Attach {
			t := probes.Target{Provider: ap.Provider, Name: ap.Name(), From: ap}
			switch ap.Provider {
			case lang.Begin, lang.End:
			case lang.Tracepoint:
				t.Category, t.Event = ap.Args[0], ap.Args[1]
			case lang.Uprobe, lang.Uretprobe:
				t.Path, t.Func = ap.Args[0], ap.Args[len(ap.Args)-1]
			default:
				t.Func = ap.Args[len(ap.Args)-1]
			}
			ts = append(ts, t)
		}
		targets = append(targets, ts)
	}
	_, err := Compile(prog, info, targets, Options{
		Source: s, Env: k, NumCPU: 4, Cookies: true, ChildPID: 1,
		Kaddr:    func(string) (uint64, bool) { return 0xffffffff81000000, true },
		Uaddr:    func(string, string) (uint64, error) { return 0x401000, nil },
		CgroupID: func(string) (uint64, error) { return 1, nil },
	})
	return err
}
