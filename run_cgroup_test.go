package gtrace

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cgroup_path() prints every hierarchy's path as bpftrace 0.17 prints it,
// filtered by its second argument: compared with the installed bpftrace
// on this machine's own cgroup mounts.
func TestE2ECgroupPathAsBpftrace(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("compared with bpftrace at run time")
	}
	if _, err := os.Stat("/usr/bin/bpftrace"); err != nil {
		t.Skip("bpftrace is not installed")
	}
	script := `BEGIN { printf("%s\n", cgroup_path(cgroup)); print(cgroup_path(cgroup)); printf("%s\n", cgroup_path(cgroup, "unified")); printf("%s\n", cgroup_path(cgroup, "c*")); exit(); }`
	code, out, errs := runBin(t, exec.Command(bin, "-e", script))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want, err := exec.Command("/usr/bin/bpftrace", "-e", script).Output()
	if err != nil {
		t.Fatalf("bpftrace: %v", err)
	}
	if out != string(want) {
		t.Errorf("got\n%s\nbpftrace 0.17:\n%s", out, want)
	}
}

// A process in a cgroup of its own: the path in the unified hierarchy.
func TestRunCgroupPathOfChild(t *testing.T) {
	needRoot(t)
	var unified string
	for _, h := range cgroupHierarchies() {
		if h.name == "unified" {
			unified = h.root
		}
	}
	if unified == "" {
		t.Skip("no cgroup v2 hierarchy mounted")
	}
	dir := filepath.Join(unified, "gtrace-test-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup: %v", err)
	}
	defer os.Remove(dir)
	child := exec.Command("/bin/sh", "-c", "read x; cat /etc/hostname >/dev/null")
	stdin, _ := child.StdinPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(child.Process.Pid)), 0o644); err != nil {
		stdin.Close()
		t.Skipf("cannot move a process into a cgroup: %v", err)
	}
	src := `tracepoint:syscalls:sys_enter_openat /pid == ` + strconv.Itoa(child.Process.Pid) + `/ { printf("%s\n", cgroup_path(cgroup, "unified")); exit(); }`
	_, out, errs := runScript(t, src, RunOptions{}, func() { stdin.Write([]byte("go\n")); stdin.Close() })
	if want := "unified:/" + filepath.Base(dir) + "\n"; !strings.Contains(out, want) {
		t.Errorf("output %q, want %q\n%s", out, want, errs)
	}
}
