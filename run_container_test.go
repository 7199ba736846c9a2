package gtrace

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProcessInOtherMountNamespace: a process in a mount namespace of its
// own runs a binary bind-mounted over a host path where the host has
// another binary (issue 13), as a container does. With -p, gtrace attaches
// uprobe:PATH:fn to the file the process runs (the host's has no such
// function) and names its user stack frames from that file, not from the
// host's (main+NN instead of hot_loop+NN).
func TestProcessInOtherMountNamespace(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("bpftrace 0.17 aborts comparing mount namespaces (MountNSException)")
	}
	for _, tool := range []string{"gcc", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	hot, target := filepath.Join(dir, "hot"), filepath.Join(dir, "target")
	for _, c := range [][]string{
		{"gcc", "-O1", "-fno-omit-frame-pointer", "-o", hot, "probes/testdata/uprobe/hot.c"},
		{"gcc", "-O1", "-fno-omit-frame-pointer", "-o", target, "probes/testdata/uprobe/target.c"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	// unshare and sh exec in place: the pid is the program's.
	proc := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", `mount --bind "$0" "$1" && exec "$1" 20`, hot, target)
	proc.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { proc.Process.Kill(); proc.Wait() }()
	pid := strconv.Itoa(proc.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if comm, _ := os.ReadFile("/proc/" + pid + "/comm"); string(comm) == "target\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Skip("could not start a process in its own mount namespace (unshare -m)")
		}
	}
	code, out, errs := runBin(t, exec.Command(bin, "-p", pid, "-e",
		"uprobe:"+target+":hot_loop { @[ustack] = count(); } interval:ms:300 { exit(); }"))
	if code != 0 || !strings.Contains(out, "    hot_loop+0\n    main+") {
		t.Errorf("uprobe: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	// A command name is looked up in the process's $PATH, under its root.
	code, out, errs = runBin(t, exec.Command(bin, "-p", pid, "-e",
		"uprobe:target:hot_loop { @[probe] = count(); } interval:ms:300 { exit(); }"))
	if want := "@[uprobe:/proc/" + pid + "/root" + target + ":hot_loop]: "; code != 0 || !strings.Contains(out, want) {
		t.Errorf("uprobe:target: exit %d, stdout:\n%s\nstderr:\n%s\nwant %q", code, out, errs, want)
	}
	// Sampled stacks, no uprobe: the frames still come from the file the
	// process runs.
	code, out, errs = runBin(t, exec.Command(bin, "-e",
		"profile:hz:499 /pid == "+pid+"/ { @[ustack] = count(); } interval:ms:500 { exit(); }"))
	if code != 0 || !strings.Contains(out, "    hot_loop+") {
		t.Errorf("profile: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}
