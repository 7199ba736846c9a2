package gtrace

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/probes"
)

// buildCppTarget compiles probes/testdata/uprobe/cpp.cc with g++.
func buildCppTarget(t *testing.T) string {
	t.Helper()
	needRoot(t)
	return testkit.BuildC(t, "probes/testdata/uprobe/cpp.cc", "-O1", "-fno-omit-frame-pointer")
}

// C++ functions are matched by their demangled names and listed by their
// ELF names; func, usym and ustack print them demangled (bpftrace 0.17).
func TestUprobeCpp(t *testing.T) {
	bin := buildCppTarget(t)
	k := probes.NewKernel()
	for pattern, want := range map[string]string{
		// Every overload, one overload, a wildcard over demangled names,
		// the v0.26 "cpp" language component (a template function's name
		// starts with its return type: "long ns::twice<long>(long)");
		// without it the mangled names are listed, as in bpftrace 0.17.
		`uprobe:BIN:"ns::func"`:      "uprobe:BIN:_ZN2ns4funcEPKc\nuprobe:BIN:_ZN2ns4funcEi\n",
		`uprobe:BIN:"ns::func(int)"`: "uprobe:BIN:_ZN2ns4funcEi\n",
		`uprobe:BIN:"ns::W*"`:        "uprobe:BIN:_ZNK2ns6Widget3getEi\n",
		// The cpp language lists demangled names, quoted to be usable as
		// attach points, as bpftrace 0.26 does.
		`uprobe:BIN:cpp:"*ns::twice<long>"`: "uprobe:BIN:cpp:\"long ns::twice<long>(long)\"\n",
		`uprobe:BIN:cpp:"ns::func*"`:        "uprobe:BIN:cpp:\"ns::func(char const*)\"\nuprobe:BIN:cpp:\"ns::func(int)\"\n",
		`uprobe:BIN:_ZN2ns4funcEi`:          "uprobe:BIN:_ZN2ns4funcEi\n",
	} {
		var buf bytes.Buffer
		pattern = strings.ReplaceAll(pattern, "BIN", bin)
		want = strings.ReplaceAll(want, "BIN", bin)
		if err := k.List(pattern, &buf, false); err != nil || buf.String() != want {
			t.Errorf("-l %s = %q, %v; want %q", pattern, buf.String(), err, want)
		}
	}

	src := strings.ReplaceAll(`
uprobe:BIN:"ns::func(int)" { @[func, probe] = count(); }
uprobe:BIN:"ns::Widget::get(int) const" { @s[usym(reg("ip"))] = count(); @u[ustack(1)] = count(); }
uprobe:BIN:"ns::func(char const*)" { @c = count(); }
`, "BIN", bin)
	got := runUser(t, src, k, RunOptions{Command: []string{bin, "3", "300"}}, true)
	for _, want := range []string{
		"@[ns::func(int), uprobe:" + bin + ":_ZN2ns4funcEi]: 3\n",
		"@c: 3\n",
		"@s[ns::Widget::get(int) const]: 3\n",
		"@u[\n    ns::Widget::get(int) const+0\n]: 3\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}

	// BPFTRACE_NO_CPP_DEMANGLE=1 (RunOptions.Mangled) and config
	// cpp_demangle = false keep the ELF's names.
	src = strings.ReplaceAll(`uprobe:BIN:"ns::func(int)" { @[func] = count(); }`, "BIN", bin)
	got = runUser(t, src, k, RunOptions{Command: []string{bin, "2", "300"}, Mangled: true}, true)
	if !strings.Contains(got, "@[_ZN2ns4funcEi]: 2\n") {
		t.Errorf("Mangled:\n%s", got)
	}
	got = runUser(t, "config = { cpp_demangle = false }\n"+src, k, RunOptions{Command: []string{bin, "2", "300"}}, true)
	if !strings.Contains(got, "@[_ZN2ns4funcEi]: 2\n") {
		t.Errorf("config cpp_demangle = false:\n%s", got)
	}
}
