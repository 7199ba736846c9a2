package gtrace

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Without CAP_BPF or CAP_PERFMON (not root, or root with them dropped from
// the bounding set by setpriv), gtrace says in one line which capability
// is missing, and exits 255 with nothing on stdout.
func TestMissingCapabilities(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	for _, tc := range []struct {
		name string
		priv []string
		want string
	}{
		{"nobody", []string{"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"}, "ERROR: gtrace lacks CAP_BPF and CAP_PERFMON: run it as root"},
		{"root without both", []string{"--bounding-set=-bpf,-perfmon,-sys_admin", "--inh-caps=-bpf,-perfmon,-sys_admin"}, "lacks CAP_BPF and CAP_PERFMON (root, but without them"},
		{"root without CAP_PERFMON", []string{"--bounding-set=-perfmon,-sys_admin", "--inh-caps=-perfmon,-sys_admin"}, "lacks CAP_PERFMON (root"},
		{"root without CAP_BPF", []string{"--bounding-set=-bpf,-sys_admin", "--inh-caps=-bpf,-sys_admin"}, "lacks CAP_BPF (root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.priv, bin, "-e", `tracepoint:syscalls:sys_enter_getppid { @ = count(); } BEGIN { printf("hi\n"); exit(); }`)
			code, out, errs := runBin(t, exec.Command(setpriv, args...))
			lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
			if code != 255 || out != "" || len(lines) != 1 || !strings.HasPrefix(errs, "ERROR: ") || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant one line with %q", code, out, errs, tc.want)
			}
		})
	}
}

// Stages that load nothing run without privilege, and a tracefs closed to
// the user (mode 0700, as here) is reported as such, not as unmounted.
func TestTracefsClosedToUser(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) is not installed")
	}
	if st, err := os.Stat("/sys/kernel/tracing"); err != nil || st.Mode().Perm()&0o005 != 0 {
		t.Skip("tracefs is open to other users here")
	}
	code, out, errs := runBin(t, exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		bin, "-d", "types", "-e", `tracepoint:syscalls:sys_enter_getppid { @ = count(); }`))
	if code != 1 || out != "" || !strings.Contains(errs, "ERROR: tracefs at /sys/kernel/tracing: permission denied: run gtrace as root") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}
