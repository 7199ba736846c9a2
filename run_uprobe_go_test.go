package gtrace

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/probes"
)

// Go functions are probed by their symbol names, quoted where they hold
// characters of the attach-point syntax ("main.(*T).Add"), and print by
// them in func and ustack. The target exits within ~30 ms: its stacks
// resolve from the runner's first snapshots of its mappings.
func TestUprobeGo(t *testing.T) {
	needRoot(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not in $PATH")
	}
	bin := filepath.Join(t.TempDir(), "gotarget")
	if out, err := exec.Command(goTool, "build", "-o", bin, "probes/testdata/uprobe/gotarget.go").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	k := probes.NewKernel()
	var buf bytes.Buffer
	if err := k.List("uprobe:"+bin+":main.*", &buf, false); err != nil || !strings.Contains(buf.String(), "uprobe:"+bin+":main.(*T).Add\n") {
		t.Errorf("-l main.*: %v\n%s", err, buf.String())
	}
	src := strings.ReplaceAll(`
uprobe:BIN:"main.(*T).Add" { @[func] = count(); @s[ustack(perf, 1)] = count(); }
uprobe:BIN:main.work { @w = count(); }
`, "BIN", bin)
	got := runUser(t, src, k, RunOptions{Command: []string{bin}}, true)
	for _, want := range []string{"@[main.(*T).Add]: 3\n", " main.(*T).Add+0 (" + bin + ")\n]: 3\n", "@w: 3\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
