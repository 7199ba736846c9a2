package kubernetes

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// manifests are the decoded files of this directory.
type manifests struct {
	namespace *corev1.Namespace
	configMap *corev1.ConfigMap
	daemonSet *appsv1.DaemonSet
	service   *corev1.Service
	job       *batchv1.Job
}

// decodeStrict decodes one manifest into obj; a field the type does not
// have (a typo, a field of another API version) is an error.
func decodeStrict(t *testing.T, file string, obj any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// readManifests decodes every YAML file here by its kind; a file of
// another kind, or two of one kind, fails the test.
func readManifests(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var m manifests
	for _, f := range files {
		var tm metav1.TypeMeta
		data, _ := os.ReadFile(f)
		if err := yaml.Unmarshal(data, &tm); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var target any
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 Namespace":
			m.namespace = &corev1.Namespace{}
			target = m.namespace
		case "v1 ConfigMap":
			m.configMap = &corev1.ConfigMap{}
			target = m.configMap
		case "apps/v1 DaemonSet":
			m.daemonSet = &appsv1.DaemonSet{}
			target = m.daemonSet
		case "v1 Service":
			m.service = &corev1.Service{}
			target = m.service
		case "batch/v1 Job":
			m.job = &batchv1.Job{}
			target = m.job
		default:
			t.Fatalf("%s: unexpected %s %s", f, tm.APIVersion, tm.Kind)
		}
		decodeStrict(t, f, target)
	}
	if m.namespace == nil || m.configMap == nil || m.daemonSet == nil || m.service == nil || m.job == nil {
		t.Fatal("want a Namespace, ConfigMap, DaemonSet, Service and Job")
	}
	return m
}

// privilege is one row of README.md's tables: a capability or host path
// and the workloads the manifests grant it to.
type privilege struct {
	name      string
	workloads []string
}

// documented reads the granted capabilities and host paths from the tables
// of README.md: rows "| CAP_X | DaemonSet, Job | why |" and
// "| /host/path | DaemonSet | why |". A row without a reason fails.
func documented(t *testing.T) (caps, paths []privilege) {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^\| (CAP_[A-Z_]+|/[^ ]+) \| ((?:DaemonSet|Job)(?:, (?:DaemonSet|Job))*) \| (.*) \|$`)
	for _, line := range strings.Split(string(data), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if strings.TrimSpace(m[3]) == "" {
			t.Errorf("README.md: %s has no reason", m[1])
		}
		p := privilege{name: m[1], workloads: strings.Split(m[2], ", ")}
		if strings.HasPrefix(m[1], "CAP_") {
			caps = append(caps, p)
		} else {
			paths = append(paths, p)
		}
	}
	if len(caps) == 0 || len(paths) == 0 {
		t.Fatal("README.md: no privilege tables found")
	}
	return caps, paths
}

// grantedTo lists the privileges documented for a workload.
func grantedTo(ps []privilege, workload string) []string {
	var out []string
	for _, p := range ps {
		if slices.Contains(p.workloads, workload) {
			out = append(out, p.name)
		}
	}
	slices.Sort(out)
	return out
}

func TestManifestsDecodeStrictly(t *testing.T) {
	readManifests(t)
}

// TestManifestsHoldDocumentedPrivilegesOnly checks every pod of the
// manifests against README.md: exactly the documented capabilities and
// host paths, nothing privileged, no privilege escalation, read-only root
// and host paths, the runtime's seccomp profile, host namespaces only
// where documented.
func TestManifestsHoldDocumentedPrivilegesOnly(t *testing.T) {
	m := readManifests(t)
	caps, paths := documented(t)
	for _, w := range []struct {
		name    string
		spec    *corev1.PodSpec
		hostPID bool
	}{
		{"DaemonSet", &m.daemonSet.Spec.Template.Spec, false},
		{"Job", &m.job.Spec.Template.Spec, true},
	} {
		spec := w.spec
		if spec.HostPID != w.hostPID {
			t.Errorf("%s: hostPID %v, README.md says %v", w.name, spec.HostPID, w.hostPID)
		}
		if spec.HostNetwork || spec.HostIPC {
			t.Errorf("%s: host network or IPC namespace, which gtrace never needs", w.name)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: mounts a service account token; gtrace needs no API access", w.name)
		}
		if len(spec.InitContainers) > 0 || len(spec.Containers) != 1 {
			t.Errorf("%s: want exactly one container", w.name)
		}
		hostPaths := map[string]string{} // volume name -> host path
		var gotPaths []string
		for _, v := range spec.Volumes {
			if v.HostPath != nil {
				hostPaths[v.Name] = v.HostPath.Path
				gotPaths = append(gotPaths, v.HostPath.Path)
			}
		}
		slices.Sort(gotPaths)
		if want := grantedTo(paths, w.name); !slices.Equal(gotPaths, want) {
			t.Errorf("%s: host paths %v, README.md documents %v", w.name, gotPaths, want)
		}
		for _, c := range spec.Containers {
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s: container %s has no securityContext", w.name, c.Name)
				continue
			}
			if sc.Privileged == nil || *sc.Privileged {
				t.Errorf("%s: privileged must be false", w.name)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", w.name)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: readOnlyRootFilesystem must be true", w.name)
			}
			if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s: want the RuntimeDefault seccomp profile", w.name)
			}
			if sc.RunAsUser == nil || *sc.RunAsUser != 0 {
				t.Errorf("%s: want runAsUser 0 (added capabilities reach uid 0 only)", w.name)
			}
			if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("%s: want capabilities.drop [ALL]", w.name)
				continue
			}
			var added []string
			for _, a := range sc.Capabilities.Add {
				added = append(added, "CAP_"+string(a))
			}
			slices.Sort(added)
			if want := grantedTo(caps, w.name); !slices.Equal(added, want) {
				t.Errorf("%s: capabilities %v, README.md documents %v", w.name, added, want)
			}
			for _, vm := range c.VolumeMounts {
				if _, ok := hostPaths[vm.Name]; ok && !vm.ReadOnly {
					t.Errorf("%s: host path volume %s is mounted writable", w.name, vm.Name)
				}
			}
		}
	}
}

// TestServiceFindsTheDaemonSet: the Service selects the DaemonSet's pods
// and targets the port gtrace serves /metrics on, and the annotations
// name that port.
func TestServiceFindsTheDaemonSet(t *testing.T) {
	m := readManifests(t)
	pod := m.daemonSet.Spec.Template
	for k, v := range m.service.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("Service selects %s=%s, the DaemonSet's pods have %q", k, v, pod.Labels[k])
		}
	}
	c := pod.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	var port corev1.ContainerPort
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			port = p
		}
	}
	if port.ContainerPort == 0 || !strings.Contains(args, "--metrics :"+strconv.Itoa(int(port.ContainerPort))) {
		t.Errorf("the container's metrics port %d is not the one gtrace serves (%s)", port.ContainerPort, args)
	}
	if sp := m.service.Spec.Ports; len(sp) != 1 || sp[0].TargetPort.String() != "metrics" {
		t.Errorf("Service ports %v: want one targeting the port named metrics", sp)
	}
	for _, ann := range []map[string]string{m.service.Annotations, pod.Annotations} {
		if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != strconv.Itoa(int(port.ContainerPort)) || ann["prometheus.io/path"] != "/metrics" {
			t.Errorf("prometheus.io annotations %v do not name port %d and /metrics", ann, port.ContainerPort)
		}
	}
	for _, obj := range []metav1.ObjectMeta{m.configMap.ObjectMeta, m.daemonSet.ObjectMeta, m.service.ObjectMeta, m.job.ObjectMeta} {
		if obj.Namespace != m.namespace.Name {
			t.Errorf("%s is in namespace %q, not %q", obj.Name, obj.Namespace, m.namespace.Name)
		}
	}
}

// TestPrometheusScrapeConfig: promtool accepts the scrape configuration,
// and it keeps the Service's port by the Service's name and port name.
func TestPrometheusScrapeConfig(t *testing.T) {
	m := readManifests(t)
	data, err := os.ReadFile("prometheus-scrape.yml")
	if err != nil {
		t.Fatal(err)
	}
	keep := m.service.Name + ";" + m.service.Spec.Ports[0].Name
	if !strings.Contains(string(data), "regex: "+keep+"\n") || !strings.Contains(string(data), "names: ["+m.namespace.Name+"]") {
		t.Errorf("prometheus-scrape.yml does not select %s in namespace %s", keep, m.namespace.Name)
	}
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("promtool not installed (package prometheus; scripts/setup-test-env installs it)")
	}
	out, err := exec.Command("promtool", "check", "config", "prometheus-scrape.yml").CombinedOutput()
	if err != nil && strings.Contains(string(out), "field kubernetes_sd_configs not found") {
		// Debian builds Prometheus without Kubernetes service discovery.
		t.Skip("this promtool is built without Kubernetes service discovery (Debian's is): it cannot check the file")
	}
	if err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}
