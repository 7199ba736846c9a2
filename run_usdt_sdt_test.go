package gtrace

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/probes"
)

// buildSDTTargets builds probes/testdata/uprobe/sdt_app.c and its shared
// library sdt_lib.c with <sys/sdt.h> (systemtap-sdt-dev, installed by
// scripts/setup-test-env): the app and the library's paths.
func buildSDTTargets(t *testing.T) (app, lib string) {
	t.Helper()
	needRoot(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	if out, err := exec.Command("sh", "-c", `echo '#include <sys/sdt.h>' | gcc -E -x c - >/dev/null`).CombinedOutput(); err != nil {
		t.Skipf("sys/sdt.h is not installed (scripts/setup-test-env): %s", out)
	}
	dir := t.TempDir()
	app, lib = filepath.Join(dir, "sdtapp"), filepath.Join(dir, "libsdtlib.so")
	for _, args := range [][]string{
		{"-O2", "-shared", "-fPIC", "-o", lib, "probes/testdata/uprobe/sdt_lib.c"},
		{"-O2", "-o", app, "probes/testdata/uprobe/sdt_app.c", "-L" + dir, "-lsdtlib", "-Wl,-rpath," + dir},
	} {
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, out)
		}
	}
	return app, lib
}

// USDT probes from <sys/sdt.h>: arguments that are globals (%rip-relative
// operands, which bpftrace 0.17 cannot read), a semaphore-guarded probe in
// a shared library, and with -p the probes of the libraries the process
// maps.
func TestUSDTSysSDT(t *testing.T) {
	app, lib := buildSDTTargets(t)
	src := strings.NewReplacer("APP", app, "LIB", lib).Replace(`
usdt:APP:sdtapp:glob { printf("%d %d\n", arg0, arg1); }
usdt:LIB:sdtlib:hit { @hit[arg0] = count(); }
usdt:LIB:always { @always = count(); }
`)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{app, "3"}}, true)
	// counter counts from 40; arr[2] is 3, then 3+0, 3+0+1; the second
	// site, after the loop, sees 43 and 3+0+1+2.
	for _, want := range []string{"40 3\n41 3\n42 4\n43 6\n", "@hit[0]: 1\n@hit[1]: 1\n@hit[2]: 1\n", "@always: 3\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}

	cmd := exec.Command(app, "3", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	k := probes.NewKernel()
	k.PID = cmd.Process.Pid
	// The dynamic loader maps the library just after the exec.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if maps, _ := os.ReadFile("/proc/" + strconv.Itoa(k.PID) + "/maps"); bytes.Contains(maps, []byte(lib)) {
			break
		}
	}
	var buf bytes.Buffer
	// Named through the process's root, as bpftrace 0.17 lists them.
	root := "/proc/" + strconv.Itoa(k.PID) + "/root"
	if err := k.List("usdt:*", &buf, false); err != nil || !strings.Contains(buf.String(), "usdt:"+root+lib+":sdtlib:hit\n") || !strings.Contains(buf.String(), "usdt:"+root+app+":sdtapp:glob\n") {
		t.Errorf("-p -l usdt:*: %v\n%s", err, buf.String())
	}
	got = runUser(t, `usdt:sdtlib:hit { @hit = count(); }`, k, RunOptions{PID: cmd.Process.Pid}, false)
	if !strings.Contains(got, "@hit: 3\n") {
		t.Errorf("-p usdt:sdtlib:hit:\n%s", got)
	}
}
