package gtrace

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cgroupid("path") is the id the cgroup builtin gives a task in that
// cgroup v2 directory: a shell moved into a cgroup the test makes is
// matched by `cgroup == cgroupid(dir)`. Golden from bpftrace 0.17.
func TestE2ECgroupid(t *testing.T) {
	bin := tracer(t)
	root := cgroup2Mount(t)
	dir := filepath.Join(root, "gtrace-test-cgroupid")
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		t.Skipf("cannot make a cgroup v2 directory: %v", err)
	}
	defer os.Remove(dir)
	sc := scenario{
		name: "cgroupid",
		script: `tracepoint:syscalls:sys_enter_openat /cgroup == cgroupid("` + dir + `")/ ` +
			`{ printf("%s %d %d\n", comm, cgroup == cgroupid("` + dir + `"), cgroupid("` + dir + `") > 1); exit(); }`,
		shell: true,
		args: func(env *scenarioEnv) []string {
			pid := strconv.Itoa(env.child.Process.Pid)
			if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(pid), 0o644); err != nil {
				t.Fatalf("moving the shell into %s: %v", dir, err)
			}
			return nil
		},
		after: func(t *testing.T, env *scenarioEnv) { env.release(t) },
	}
	checkGolden(t, sc.name, runScenario(t, bin, sc))
}

// cgroup2Mount is where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup,
// or /sys/fs/cgroup/unified on a hybrid systemd machine).
func cgroup2Mount(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		for i, fld := range fields {
			if fld == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return fields[4]
			}
		}
	}
	t.Skip("no cgroup v2 hierarchy is mounted")
	return ""
}
