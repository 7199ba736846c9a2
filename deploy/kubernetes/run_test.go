package kubernetes

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/gtrace/gtrace/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// podRoot is the shell script that sets up, in a fresh mount and PID
// namespace (unshare), what the container runtime gives the DaemonSet's
// pod and nothing more, then runs gtrace there with only the given
// capabilities:
//   - a root holding only the image (gtrace at the Dockerfile's ENTRYPOINT) and setpriv with its
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
mkdir -p "$R$(dirname "$ENTRYPOINT")"
cp "$GTRACE" "$R$ENTRYPOINT"
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
exec chroot "$R" /usr/bin/setpriv --bounding-set=-all,$CAPS --inh-caps=-all "$ENTRYPOINT" "$@"
`

// podRun is a gtrace started the way the DaemonSet runs it.
type podRun struct {
	cmd    *exec.Cmd
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	lines  chan string
}

// startPod runs gtrace as p says: with p's arguments, only its
// capabilities and bind mounts, and its own PID namespace unless hostPID.
func startPod(t *testing.T, gtrace string, p pod) *podRun {
	t.Helper()
	root := t.TempDir()
	ns := []string{"--mount", "--propagation", "private"}
	if !p.hostPID {
		ns = append(ns, "--pid", "--fork")
	}
	cmdArgs := append(append(ns, "sh", "-c", podRoot, "pod", root, gtrace, p.caps), p.args...)
	cmd := exec.Command("unshare", cmdArgs...)
	cmd.Env = append(os.Environ(), "MOUNTS="+strings.Join(p.mounts, "\n"), "ENTRYPOINT="+imageEntrypoint(t))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	run := &podRun{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, lines: make(chan string, 100)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = run.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(io.TeeReader(out, run.stdout))
		for sc.Scan() {
			run.lines <- sc.Text()
		}
		close(run.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
		}
	})
	return run
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

// pod is how a manifest runs gtrace: the capabilities in setpriv's
// syntax, the bind mounts ("SRC DST [ro]") of its volumes, whether it
// shares the host's PID namespace, and the arguments.
type pod struct {
	caps    string
	mounts  []string
	hostPID bool
	args    []string
}

// podOf reads a pod spec of the manifests; the ConfigMap's files are
// written to dir for their volume.
func podOf(t *testing.T, m manifests, spec corev1.PodSpec, dir string) pod {
	t.Helper()
	c := spec.Containers[0]
	p := pod{hostPID: spec.HostPID, args: c.Args}
	var cs []string
	for _, a := range c.SecurityContext.Capabilities.Add {
		cs = append(cs, "+"+strings.ToLower(string(a)))
	}
	p.caps = strings.Join(cs, ",")
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
				p.mounts = append(p.mounts, fmt.Sprintf("%s %s %s", v.HostPath.Path, vm.MountPath, ro))
			case v.ConfigMap != nil && v.ConfigMap.Name == m.configMap.Name:
				src := filepath.Join(dir, v.Name)
				os.MkdirAll(src, 0o755)
				for k, data := range m.configMap.Data {
					if err := os.WriteFile(filepath.Join(src, k), []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				p.mounts = append(p.mounts, fmt.Sprintf("%s %s %s", src, vm.MountPath, ro))
			default:
				t.Fatalf("volume %s: the test knows hostPath and the ConfigMap only", v.Name)
			}
		}
	}
	return p
}

func needRootTools(t *testing.T) {
	t.Helper()
	testkit.NeedRoot(t) // and for mount namespaces
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
	gtrace := testkit.Gtrace(t) // static, as the Dockerfile builds it
	m := readManifests(t)
	ds := podOf(t, m, m.daemonSet.Spec.Template.Spec, t.TempDir())
	p := startPod(t, gtrace, ds)
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
	metrics := scrapeWhenReady(t, "127.0.0.1"+metricsPort(ds.args)+"/metrics", "gtrace_opens_total{comm=\"cat\"}")
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
	if !strings.Contains(out, "@open_latency: \n") {
		t.Errorf("no @open_latency histogram in\n%s", out)
	}
	if !strings.Contains(metrics, "gtrace_open_latency_bucket{le=") {
		t.Errorf("the scrape has no latency histogram:\n%s", metrics)
	}
	if _, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = strings.NewReader(metrics)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics on the DaemonSet's scrape: %v\n%s", err, out)
		}
	}
}

// TestDaemonSetWithoutPerfmonFailsInOneLine: one capability less and gtrace
// ends at once with the one-line error naming it.
func TestDaemonSetWithoutPerfmonFailsInOneLine(t *testing.T) {
	needRootTools(t)
	gtrace := testkit.Gtrace(t) // static, as the Dockerfile builds it
	m := readManifests(t)
	ds := podOf(t, m, m.daemonSet.Spec.Template.Spec, t.TempDir())
	ds.caps = "+bpf"
	p := startPod(t, gtrace, ds)
	for range p.lines {
	}
	p.cmd.Wait()
	// The wording between the capability and the advice belongs to
	// probes.MissingCapsHint; this test holds only its shape.
	errOut := p.stderr.String()
	oneLine := strings.Count(errOut, "\n") == 1 && strings.HasSuffix(errOut, "\n")
	if code := p.cmd.ProcessState.ExitCode(); code != 255 || !oneLine || p.stdout.Len() != 0 ||
		!strings.HasPrefix(errOut, "ERROR: gtrace lacks CAP_PERFMON ") ||
		!strings.HasSuffix(errOut, ": grant CAP_BPF and CAP_PERFMON\n") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 255 and one line: ERROR: gtrace lacks CAP_PERFMON (...): grant CAP_BPF and CAP_PERFMON", code, p.stdout, errOut)
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

// TestJobPrivilegesResolveKernelStacks runs a kernel-stack profile with
// the Job's capabilities, mounts and host PID namespace: CAP_SYSLOG, the
// one the Job adds, is what gives kstack its function names (the
// DaemonSet's capabilities give bare addresses).
func TestJobPrivilegesResolveKernelStacks(t *testing.T) {
	needRootTools(t)
	gtrace := testkit.Gtrace(t) // static, as the Dockerfile builds it
	m := readManifests(t)
	job := podOf(t, m, m.job.Spec.Template.Spec, t.TempDir())
	job.args = []string{"-e", "profile:hz:997 { @[kstack(1)] = count(); } interval:ms:500 { exit(); }"}
	named := regexp.MustCompile(`(?m)^    [a-z_][a-z0-9_.]*\+\d+$`)
	for _, tc := range []struct {
		caps  string
		named bool
	}{{job.caps, true}, {podOf(t, m, m.daemonSet.Spec.Template.Spec, t.TempDir()).caps, false}} {
		job.caps = tc.caps
		p := startPod(t, gtrace, job)
		for range p.lines {
		}
		p.cmd.Wait()
		out := p.stdout.String()
		if code := p.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(out, "@[") {
			t.Fatalf("caps %s: exit %d, stderr %s, stdout\n%s", tc.caps, code, p.stderr, out)
		}
		if named.MatchString(out) != tc.named {
			t.Errorf("caps %s: kernel function names in the stacks: %v, want %v\n%s", tc.caps, !tc.named, tc.named, out)
		}
	}
}

// imageEntrypoint reads the Dockerfile: its last stage must be scratch
// holding a CGO_ENABLED=0 build, copied to the ENTRYPOINT's path, which it
// returns.
func imageEntrypoint(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	last := text[strings.LastIndex(text, "\nFROM "):]
	ep := regexp.MustCompile(`(?m)^ENTRYPOINT \["([^"]+)"\]`).FindStringSubmatch(last)
	switch {
	case !strings.HasPrefix(last, "\nFROM scratch\n"):
		t.Fatal("Dockerfile: the image is not built FROM scratch")
	case !strings.Contains(text, "CGO_ENABLED=0 go build"):
		t.Fatal("Dockerfile: the build is not CGO_ENABLED=0")
	case ep == nil || !strings.Contains(last, "COPY --from=build /out/gtrace "+ep[1]+"\n"):
		t.Fatal("Dockerfile: the ENTRYPOINT is not the gtrace the build stage made")
	}
	return ep[1]
}

// TestStaticBinary: the binary the Dockerfile builds (CGO_ENABLED=0) has
// no ELF interpreter, so it runs on the empty scratch image.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gtrace")
	}
	imageEntrypoint(t)
	f, err := elf.Open(testkit.Gtrace(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the CGO_ENABLED=0 build has an ELF interpreter: it would not run on scratch")
		}
	}
}
