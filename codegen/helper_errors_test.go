package codegen

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

// compileLevel compiles src with the helper error level of -k (1) or -kk (2).
func compileLevel(t *testing.T, src string, level int) *Program {
	t.Helper()
	s := lang.Source{Name: "stdin", Text: src}
	prog, diags := parse.Parse(s, parse.Options{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	info, diags := sema.Check(prog, sema.Options{})
	if diags.HasErrors() {
		t.Fatalf("check: %v", diags)
	}
	p, err := Compile(prog, info, nil, Options{Source: s, NumCPU: 4, HelperErrors: level})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

// helperErrors lists the helper-error actions of p as "helper@col".
func helperErrors(p *Program) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Kind == ActHelperError {
			out = append(out, fmt.Sprintf("%s@%d", a.Helper, a.Span.Start.Col))
		}
	}
	return out
}

// TestHelperErrorLevels: without -k nothing is checked; -k checks the
// helpers whose failure is unusual; -kk adds the probe_read family and map
// lookups that find nothing, at bpftrace 0.17's positions (map assignment:
// the `=`; aggregation: the call; avg/stats twice; keyless count never).
func TestHelperErrorLevels(t *testing.T) {
	src := `BEGIN { $s = str(0); @a[1] = 1; $y = @a[2]; delete(@a[5]); @s = stats(5); @c = count(); @x++; @y[1] += 2; }`
	for _, tc := range []struct {
		level int
		want  []string
	}{
		{0, nil},
		{1, []string{"map_update_elem@28", "map_delete_elem@45", "map_update_elem@65", "map_update_elem@80", "map_update_elem@89", "map_update_elem@95"}},
		{2, []string{
			"probe_read_str@14", "map_update_elem@28", "map_lookup_elem@38", "map_delete_elem@45",
			"map_lookup_elem@65", "map_lookup_elem@65", "map_update_elem@65", "map_update_elem@80",
			"map_lookup_elem@89", "map_update_elem@89", "map_lookup_elem@95", "map_update_elem@95",
		}},
	} {
		got := helperErrors(compileLevel(t, src, tc.level))
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("level %d: helper errors\n%q\nwant\n%q", tc.level, got, want)
		}
	}
}

// TestHelperErrorDeref: the dereference of an integer (or of a pointer
// cast from one) is reported at its `*` as "probe_read", as bpftrace 0.17.
func TestHelperErrorDeref(t *testing.T) {
	src := `BEGIN { $x = *(int8*)0; $y = *0; }`
	if got := helperErrors(compileLevel(t, src, HelperErrorsUsual)); len(got) != 0 {
		t.Errorf("-k: %q", got)
	}
	got := helperErrors(compileLevel(t, src, HelperErrorsAll))
	if want := []string{"probe_read@14", "probe_read@30"}; !slices.Equal(got, want) {
		t.Errorf("-kk: %q, want %q", got, want)
	}
}

// TestHelperErrorName: helpers are named as bpftrace names them (the
// kernel's bpf_func_id without BPF_FUNC_).
func TestHelperErrorName(t *testing.T) {
	for fn, want := range map[asm.BuiltinFunc]string{
		asm.FnMapUpdateElem:      "map_update_elem",
		asm.FnProbeReadKernelStr: "probe_read_kernel_str",
		asm.FnGetStackid:         "get_stackid",
		asm.FnGetCurrentComm:     "get_current_comm",
	} {
		if got := helperName(fn); got != want {
			t.Errorf("%v: got %q, want %q", fn, got, want)
		}
	}
}

// TestHelperErrorChecksLoad loads programs with every kind of check into
// the verifier: the report path must keep R0 and the stack valid.
func TestHelperErrorChecksLoad(t *testing.T) {
	needRoot(t)
	srcs := []string{
		`BEGIN { $s = str(0); @a[1] = 1; $y = @a[2]; delete(@a[5]); @s = stats(5); @c = count(); @x++; @y[1] += 2; printf("%s %d\n", $s, $y); }`,
		`BEGIN { @h[1] = hist(5); @l = lhist(3, 0, 10, 1); @m[comm] = max(1); $b = buf(0, 8); @k = kstack; print(@a[1]); } BEGIN { @a[1] = 1; }`,
		`BEGIN { @s[1] = "x"; $t = @s[2]; printf("%s\n", @s[3]); @p = $t; $z = *(int8*)0; $w = *0; print(($z, $w)); }`,
	}
	for _, src := range srcs {
		p := compileLevel(t, src, HelperErrorsAll)
		coll, err := ebpf.NewCollection(p.Spec)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		coll.Close()
	}
}
