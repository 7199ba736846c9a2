package gtrace

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/probes"
)

// A stripped binary with MiniDebugInfo (.gnu_debugdata: an xz-compressed
// ELF holding .symtab, as Fedora ships them) is probed by function name
// and its stacks are symbolized through it.
func TestMiniDebugInfo(t *testing.T) {
	bin := buildUprobeTarget(t)
	for _, tool := range []string{"objcopy", "strip", "xz"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/setup-test-env installs binutils and xz-utils)", tool)
		}
	}
	dir := t.TempDir()
	mini, stripped := filepath.Join(dir, "mini"), filepath.Join(dir, "stripped")
	for _, args := range [][]string{
		{"objcopy", "--only-keep-debug", bin, mini},
		{"xz", mini},
		{"strip", "-o", stripped, bin},
		{"objcopy", "--add-section", ".gnu_debugdata=" + mini + ".xz", stripped},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if out, _ := exec.Command("nm", stripped).CombinedOutput(); !strings.Contains(string(out), "no symbols") {
		t.Fatalf("%s still has a symbol table:\n%s", stripped, out)
	}
	src := strings.ReplaceAll(`uprobe:BIN:work { @s[usym(reg("ip"))] = count(); @u[ustack(1)] = count(); }`, "BIN", stripped)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{stripped, "3", "0", "300"}}, true)
	for _, want := range []string{"@s[work]: 3\n", "@u[\n    work+0\n]: 3\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
