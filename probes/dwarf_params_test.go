package probes

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
)

// -lv of uprobes lists each function's parameters from DWARF exactly as
// bpftrace 0.17 does (testdata/uprobe/params.lv.golden is its output for
// params.c built with gcc -g -O1; BIN stands for the binary's path).
func TestUprobeParamsFromDWARF(t *testing.T) {
	bin := testkit.BuildC(t, "testdata/uprobe/params.c", "-g", "-O1")
	golden, err := os.ReadFile("testdata/uprobe/params.lv.golden")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(string(golden), "BIN", bin)
	var buf bytes.Buffer
	if err := NewKernel().List("uprobe:"+bin+":p_*", &buf, true); err != nil {
		t.Fatal(err)
	}
	if buf.String() != want {
		t.Errorf("-lv:\n%s\nwant:\n%s", buf.String(), want)
	}
	// Without debug information there is nothing to add.
	stripped := bin + ".nodebug"
	if out, err := exec.Command("gcc", "-O1", "-o", stripped, "testdata/uprobe/params.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	buf.Reset()
	if err := NewKernel().List("uprobe:"+stripped+":p_s*", &buf, true); err != nil || buf.String() != "uprobe:"+stripped+":p_scalars\nuprobe:"+stripped+":p_static\n" {
		t.Errorf("-lv without DWARF: %q, %v", buf.String(), err)
	}
}
