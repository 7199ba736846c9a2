package gtrace

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// args in uprobes (bpftrace 0.26): the parameters named and typed by the
// binary's DWARF, read from the registers the calling convention passes
// them in; pointers reach user memory (str(args.s), args.p->x).
func TestUprobeArgsFromDWARF(t *testing.T) {
	needRoot(t)
	bin := testkit.BuildC(t, "probes/testdata/uprobe/params.c", "-g", "-O1")
	// main calls p_scalars(argv[0], 1, &p, p, uu, RED) with p = {1, 2},
	// p_numbers(id, id, a, &puc, 1, 2, ...): u64 and sz are its 5th and
	// 6th integer registers (r8, r9 on x86-64).
	src := strings.ReplaceAll(`
uprobe:BIN:p_scalars { printf("s=%s n=%d x=%d y=%d\n", str(args.s), args.n, args.p->x, args.p->y); }
uprobe:BIN:p_numbers { printf("u64=%d sz=%d\n", args.u64, args.sz); }
uprobe:BIN:p_static { printf("unused=%d\n", args.unused); }
`, "BIN", bin)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{bin}}, true)
	for _, want := range []string{"s=" + bin + " n=1 x=1 y=2\n", "u64=1 sz=2\n", "unused=1\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}

	// A parameter after a struct with a float member (its registers are
	// not known) is not in args; a binary without DWARF has no args.
	_, err := Compile(lang.Source{Name: "stdin", Text: "uprobe:" + bin + ":p_scalars { print(args.c); }"}, Options{Kernel: probes.NewKernel()})
	if err == nil || !strings.Contains(err.Error(), "does not contain a field named 'c'") {
		t.Errorf("args.c after a union by value: %v", err)
	}
	nodebug := bin + ".nodebug"
	if out, err := exec.Command("gcc", "-O1", "-o", nodebug, "probes/testdata/uprobe/params.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	_, err = Compile(lang.Source{Name: "stdin", Text: "uprobe:" + nodebug + ":p_static { print(args.unused); }"}, Options{Kernel: probes.NewKernel()})
	if err == nil || !strings.Contains(err.Error(), "args: no DWARF debug information for p_static in "+nodebug) {
		t.Errorf("args without DWARF: %v", err)
	}
}
