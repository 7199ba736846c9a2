package gtrace

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/probes"
)

// Files a script or a traced process names must not block gtrace (issue
// 13): any user can make a FIFO.

// cat() of a FIFO warns and goes on; the run ends at once.
func TestCatFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, out, errs := runScript(t, `BEGIN { cat("`+fifo+`"); printf("after\n"); exit(); }`, RunOptions{}, nil)
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the run took %v", took)
	}
	if code != 0 || !strings.Contains(out, "after\n") || !strings.Contains(errs, "WARNING: cat: open "+fifo+": not a regular file (a FIFO)") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// A stripped binary whose .gnu_debuglink names a FIFO: its functions are
// found (.dynsym) and its user stacks symbolized, without waiting on the
// FIFO, at expansion or at exit.
func TestDebugLinkFIFO(t *testing.T) {
	needRoot(t)
	for _, tool := range []string{"gcc", "strip", "objcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "target")
	debug := filepath.Join(dir, "target.debug")
	for _, c := range [][]string{
		{"gcc", "-O1", "-fno-omit-frame-pointer", "-rdynamic", "-o", bin, "probes/testdata/uprobe/target.c"},
		{"objcopy", "--only-keep-debug", bin, debug},
		{"strip", "--strip-all", bin},
		{"objcopy", "--add-gnu-debuglink=" + debug, bin},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	os.Remove(debug)
	if err := syscall.Mkfifo(debug, 0o644); err != nil {
		t.Fatal(err)
	}
	k := probes.NewKernel()
	src := `uprobe:` + bin + `:work { @[ustack] = count(); }`
	done := make(chan struct{})
	var out string
	go func() {
		defer close(done)
		out = runUser(t, src, k, RunOptions{Command: []string{bin, "3", "100"}}, true)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		// Unblock the reader so the test process can end.
		if f, err := os.OpenFile(debug, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("gtrace blocked on the FIFO named by .gnu_debuglink")
	}
	if !strings.Contains(out, "work+") || !strings.Contains(out, "]: 3") {
		t.Errorf("stdout:\n%s", out)
	}
}
