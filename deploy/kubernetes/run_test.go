package kubernetes

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildStatic builds gtrace as the Dockerfile does (CGO_ENABLED=0): a
// binary that runs in an empty root. Once for all tests.
var buildStatic = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gtrace-k8s-test")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gtrace")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/gtrace")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func staticGtrace(t *testing.T) string {
	t.Helper()
	bin, err := buildStatic()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// podRoot is the shell script that sets up, in a fresh mount and PID
// namespace (unshare), what the container runtime gives the DaemonSet's
// pod and nothing more, then runs gtrace there with only the given
// capabilities:
//   - a root holding only the image (/usr/bin/gtrace) and setpriv with its
//     libraries (to drop capabilities as the runtime does; not in the image),
//   - its own /proc (hostPID off) and the read-only sysfs every container gets,
//   - the manifest's volumes: the ConfigMap's files and the host paths,
//     bind-mounted read-only where the manifest says.
//
// Arguments: root dir, gtrace binary, capabilities (setpriv's
// +bpf,+perfmon form), then "mount SRC DST" pairs as MOUNTS (newline
// separated, in the environment), then gtrace's arguments.
const podRoot = `set -eu
R=$1 GTRACE=$2 CAPS=$3
shift 3
mount -t tmpfs -o mode=0755 tmpfs "$R"
mkdir -p "$R/usr/bin" "$R/proc" "$R/sys" "$R/tmp"
cp "$GTRACE" "$R/usr/bin/gtrace"
cp /usr/bin/setpriv "$R/usr/bin/setpriv"
for lib in $(ldd /usr/bin/setpriv | grep -o '/[^ ]*'); do
	mkdir -p "$R$(dirname "$lib")"
	cp "$lib" "$R$lib"
done
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
printf '%s\n' "$MOUNTS" | while read -r src dst ro; do
	[ -n "$src" ] || continue
	mkdir -p "$R$dst" 2>/dev/null || true
	mount --bind "$src" "$R$dst"
	[ "$ro" = ro ] && mount -o remount,bind,ro "$R$dst"
done
mount -o remount,ro "$R"
exec chroot "$R" /usr/bin/setpriv --bounding-set=-all,$CAPS --inh-caps=-all /usr/bin/gtrace "$@"
`

// podRun is a gtrace started the way the DaemonSet runs it.
type podRun struct {
	cmd    *exec.Cmd
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	lines  chan string
}

// startPod runs gtrace with args, only the capabilities caps (setpriv
// syntax, "+bpf,+perfmon") and only the bind mounts.
func startPod(t *testing.T, gtrace, caps string, mounts []string, args ...string) *podRun {
	t.Helper()
	root := t.TempDir()
	cmdArgs := append([]string{"--mount", "--pid", "--fork", "--propagation", "private", "sh", "-c", podRoot, "pod", root, gtrace, caps}, args...)
	cmd := exec.Command("unshare", cmdArgs...)
	cmd.Env = append(os.Environ(), "MOUNTS="+strings.Join(mounts, "\n"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &podRun{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, lines: make(chan string, 100)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(io.TeeReader(out, p.stdout))
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
		}
	})
	return p
}

// waitLine waits (bounded) for a line starting with prefix.
func (p *podRun) waitLine(t *testing.T, prefix string) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.cmd.Wait()
				t.Fatalf("gtrace ended before %q: stderr %s", prefix, p.stderr)
			}
			if strings.HasPrefix(line, prefix) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within 60 s: stderr %s", prefix, p.stderr)
		}
	}
}

// stop sends SIGINT to the pod (as the kubelet's SIGTERM would end it)
// and waits, bounded, for gtrace to print its maps and exit.
func (p *podRun) stop(t *testing.T) int {
	t.Helper()
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	done := make(chan error, 1)
	go func() {
		for range p.lines {
		}
		done <- p.cmd.Wait()
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("gtrace did not end within 60 s of SIGINT: stderr %s", p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// daemonSetPod reads how the DaemonSet runs gtrace: the capabilities in
// setpriv's syntax, the bind mounts ("SRC DST [ro]") of its volumes (the
// ConfigMap's files written to dir), and the arguments.
func daemonSetPod(t *testing.T, dir string) (caps string, mounts, args []string) {
	t.Helper()
	m := readManifests(t)
	spec := m.daemonSet.Spec.Template.Spec
	c := spec.Containers[0]
	var cs []string
	for _, a := range c.SecurityContext.Capabilities.Add {
		cs = append(cs, "+"+strings.ToLower(string(a)))
	}
	for _, vm := range c.VolumeMounts {
		ro := ""
		if vm.ReadOnly {
			ro = "ro"
		}
		for _, v := range spec.Volumes {
			if v.Name != vm.Name {
				continue
			}
			switch {
			case v.HostPath != nil:
				mounts = append(mounts, fmt.Sprintf("%s %s %s", v.HostPath.Path, vm.MountPath, ro))
			case v.ConfigMap != nil && v.ConfigMap.Name == m.configMap.Name:
				src := filepath.Join(dir, v.Name)
				os.MkdirAll(src, 0o755)
				for k, data := range m.configMap.Data {
					if err := os.WriteFile(filepath.Join(src, k), []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				mounts = append(mounts, fmt.Sprintf("%s %s %s", src, vm.MountPath, ro))
			default:
				t.Fatalf("volume %s: the test knows hostPath and the ConfigMap only", v.Name)
			}
		}
	}
	return strings.Join(cs, ","), mounts, c.Args
}

func needRootTools(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mount namespaces and BPF")
	}
	for _, tool := range []string{"unshare", "setpriv", "chroot", "ldd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s (util-linux, coreutils, libc-bin)", tool)
		}
	}
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls"); err != nil {
		t.Skip("needs tracefs with syscall tracepoints at /sys/kernel/tracing")
	}
}

// TestDaemonSetRunsWithItsPrivilegesOnly runs the DaemonSet's gtrace with
// exactly its capabilities and mounts: the ConfigMap's script attaches,
// counts the opens of a known workload, serves them at --metrics, and
// prints its maps when stopped.
func TestDaemonSetRunsWithItsPrivilegesOnly(t *testing.T) {
	needRootTools(t)
	gtrace := staticGtrace(t)
	caps, mounts, args := daemonSetPod(t, t.TempDir())
	p := startPod(t, gtrace, caps, mounts, args...)
	p.waitLine(t, "Attaching")

	// A known workload outside the pod: tracepoints see the whole node.
	const opens = 25
	marker := filepath.Join(t.TempDir(), "k8s-workload")
	os.WriteFile(marker, []byte("x"), 0o644)
	for range opens {
		if err := exec.Command("cat", marker).Run(); err != nil {
			t.Fatal(err)
		}
	}
	metrics := scrapeWhenReady(t, "127.0.0.1"+metricsPort(args)+"/metrics", "gtrace_opens_total{comm=\"cat\"}")
	if code := p.stop(t); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, p.stderr)
	}
	if p.stderr.Len() != 0 {
		t.Errorf("stderr: %s", p.stderr)
	}
	out := p.stdout.String()
	var n int
	for _, line := range strings.Split(out, "\n") {
		if _, err := fmt.Sscanf(line, "@opens[cat]: %d", &n); err == nil {
			break
		}
	}
	if n < opens {
		t.Errorf("@opens[cat] = %d, want at least the workload's %d cat runs (each opens files)\n%s", n, opens, out)
	}
	if !strings.Contains(out, "@open_latency_ns: \n") {
		t.Errorf("no @open_latency_ns histogram in\n%s", out)
	}
	if !strings.Contains(metrics, "gtrace_open_latency_ns_bucket{le=") {
		t.Errorf("the scrape has no latency histogram:\n%s", metrics)
	}
}

// TestDaemonSetWithoutPerfmonFailsInOneLine: one capability less and gtrace
// ends at once with the one-line error naming it.
func TestDaemonSetWithoutPerfmonFailsInOneLine(t *testing.T) {
	needRootTools(t)
	gtrace := staticGtrace(t)
	_, mounts, args := daemonSetPod(t, t.TempDir())
	p := startPod(t, gtrace, "+bpf", mounts, args...)
	for range p.lines {
	}
	p.cmd.Wait()
	const want = "ERROR: gtrace lacks CAP_PERFMON (root, but without them: a container or a reduced bounding set): grant CAP_BPF and CAP_PERFMON\n"
	if code := p.cmd.ProcessState.ExitCode(); code != 255 || p.stderr.String() != want || p.stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 255 and %q", code, p.stdout, p.stderr, want)
	}
}

// metricsPort returns ":PORT" of the --metrics argument.
func metricsPort(args []string) string {
	for i, a := range args {
		if a == "--metrics" && i+1 < len(args) {
			return args[i+1][strings.LastIndex(args[i+1], ":"):]
		}
	}
	return ""
}

// scrapeWhenReady scrapes url until the body contains want (bounded).
func scrapeWhenReady(t *testing.T, url, want string) string {
	t.Helper()
	var body string
	for range 100 {
		resp, err := http.Get("http://" + url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, want) {
				return body
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %q at %s within 10 s; last scrape:\n%s", want, url, body)
	return ""
}
