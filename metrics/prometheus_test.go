package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testkit"
)

// These tests run the real thing: gtrace binaries scraped by Debian's
// prometheus server (scripts/setup-test-env installs it) and checked by
// promtool. Every address is a loopback one and every wait is bounded.

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// needTracing skips without root or the lseek tracepoint the tests count,
// and returns the gtrace binary.
func needTracing(t *testing.T) string {
	t.Helper()
	testkit.NeedRoot(t)
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls/sys_enter_lseek"); err != nil {
		t.Skip("needs the syscalls:sys_enter_lseek tracepoint (tracefs at /sys/kernel/tracing)")
	}
	return testkit.Gtrace(t)
}

// tracer is one gtrace process.
type tracer struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	ready  chan struct{}
}

// startGtrace runs gtrace with --metrics addr and waits (bounded) for its
// "Attaching" line.
func startGtrace(t *testing.T, bin, addr string, args ...string) *tracer {
	t.Helper()
	tr := &tracer{ready: make(chan struct{})}
	tr.cmd = exec.Command(bin, append([]string{"--metrics", addr}, args...)...)
	tr.cmd.Stderr = &tr.stderr
	out, _ := tr.cmd.StdoutPipe()
	if err := tr.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			tr.stdout.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Attaching") {
				once.Do(func() { close(tr.ready) })
			}
		}
		once.Do(func() { close(tr.ready) })
	}()
	t.Cleanup(func() {
		if tr.cmd.ProcessState == nil {
			tr.cmd.Process.Kill()
			tr.cmd.Wait()
		}
	})
	select {
	case <-tr.ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("gtrace did not attach within 60 s: %s", tr.stderr.String())
	}
	return tr
}

// stop ends gtrace with SIGINT and returns its exit code (bounded).
func (tr *tracer) stop(t *testing.T) int {
	t.Helper()
	tr.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { tr.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("gtrace did not end within 60 s of SIGINT")
	}
	return tr.cmd.ProcessState.ExitCode()
}

func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(b), fmt.Errorf("%s: %s", url, resp.Status)
	}
	return string(b), err
}

// promQuery asks Prometheus for an instant vector and returns its single
// value ("" when the result is empty).
func promQuery(addr, query string) (string, error) {
	body, err := httpGet("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return "", err
	}
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return "", err
	}
	if r.Status != "success" {
		return "", fmt.Errorf("query %s: %s", query, body)
	}
	if len(r.Data.Result) != 1 {
		return "", nil
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return s, nil
}

// TestPrometheusSumsThreeInstances: three gtrace instances trace the same
// known workload (this process's lseek calls); Debian's prometheus
// scrapes them, and its query API must give the exact sum of the counters
// and the exact histogram_quantile over the summed buckets.
func TestPrometheusSumsThreeInstances(t *testing.T) {
	bin := needTracing(t)
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("needs Debian's prometheus (scripts/setup-test-env installs it)")
	}
	const script = `tracepoint:syscalls:sys_enter_lseek /pid == $1 && args.whence == 0/ {
	@seeks[comm] = count();
	@offset = hist(args.offset);
}`
	pid := strconv.Itoa(os.Getpid())
	var tracers []*tracer
	var targets []string
	for range 3 {
		addr := testkit.FreePort(t)
		targets = append(targets, "'"+addr+"'")
		tracers = append(tracers, startGtrace(t, bin, addr, "-e", script, pid))
	}

	// The workload: 60 seeks to 5, 30 to 100 and 10 to 3000, seen by
	// each of the three.
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	workload := []struct{ offset, n int }{{5, 60}, {100, 30}, {3000, 10}}
	seeks := 0
	for _, w := range workload {
		for range w.n {
			if _, err := f.Seek(int64(w.offset), io.SeekStart); err != nil {
				t.Fatal(err)
			}
			seeks++
		}
	}

	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: gtrace
    static_configs:
      - targets: [%s]
`, strings.Join(targets, ", "))), 0o644)
	promAddr := testkit.FreePort(t)
	prom := exec.Command(promBin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr)
	var promLog bytes.Buffer
	prom.Stdout, prom.Stderr = &promLog, &promLog
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		prom.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { prom.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			prom.Process.Kill()
			<-done
		}
	}()

	// Two scrapes of each target, all after the workload.
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, err := promQuery(promAddr, `min(count_over_time(gtrace_seeks_total[10m])) >= 2 and count(count_over_time(gtrace_seeks_total[10m])) == 3`)
		if err == nil && n != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus did not scrape the three gtraces twice within 90 s (last: %q, %v)\n%s", n, err, promLog.String())
		}
		time.Sleep(500 * time.Millisecond)
	}

	wantSum := 3 * seeks
	sum, err := promQuery(promAddr, `sum(gtrace_seeks_total)`)
	if err != nil || sum != strconv.Itoa(wantSum) {
		t.Errorf("sum(gtrace_seeks_total) = %q (%v), want %d", sum, err, wantSum)
	}
	t.Logf("sum(gtrace_seeks_total): expected %d, queried %s", wantSum, sum)
	// Summed over the three: 180 in [4, 8) (le 7), 90 in [64, 128)
	// (le 127), 30 in [2048, 4096) (le 4095). Prometheus interpolates
	// linearly inside the bucket the rank falls in, from the bound below.
	for _, q := range []struct {
		q    float64
		want float64
	}{
		{0.5, interpolate(3, 7, 150, 180)},      // rank 150 of 300: none up to le 3, 180 in (3, 7]
		{0.9, interpolate(63, 127, 90, 90)},     // rank 270: 180 up to le 63, 90 in (63, 127]
		{0.95, interpolate(2047, 4095, 15, 30)}, // rank 285: 270 up to le 2047, 30 in (2047, 4095]
	} {
		query := fmt.Sprintf(`histogram_quantile(%v, sum by (le) (gtrace_offset_bucket))`, q.q)
		got, err := promQuery(promAddr, query)
		v, perr := strconv.ParseFloat(got, 64)
		if err != nil || perr != nil || v != q.want {
			t.Errorf("%s = %q (%v), want %v", query, got, err, q.want)
		}
		t.Logf("%s: expected %v, queried %s", query, q.want, got)
	}
	count, err := promQuery(promAddr, `sum(gtrace_offset_count)`)
	if err != nil || count != strconv.Itoa(wantSum) {
		t.Errorf("sum(gtrace_offset_count) = %q (%v), want %d", count, err, wantSum)
	}

	// The output and exit are those of a run without --metrics.
	for i, tr := range tracers {
		if code := tr.stop(t); code != 0 {
			t.Errorf("gtrace %d: exit %d, stderr %s", i, code, tr.stderr.String())
		}
		out := tr.stdout.String()
		if !strings.Contains(out, fmt.Sprintf("@seeks[metrics.test]: %d\n", seeks)) || !strings.Contains(out, "[4, 8)                60 |") {
			t.Errorf("gtrace %d printed\n%s", i, out)
		}
	}
}

// interpolate is histogram_quantile's estimate inside the bucket (start,
// end] that holds count values, rank of them up to the quantile, computed
// step by step in float64 as Prometheus does (a constant expression would
// be computed exactly, and differ in the last bit). The conversion keeps
// Go from fusing the multiply and the add, which the spec allows.
func interpolate(start, end, rank, count float64) float64 {
	return start + float64((end-start)*(rank/count))
}

// everyKindBT fills a map of every kind in BEGIN and keeps running.
const everyKindBT = `BEGIN {
	@opens[comm, pid] = count(); @opens[comm, pid] = count();
	@bytes[comm] = sum((uint64)4096);
	@delta = sum(-25);
	@lowest[cpu] = min(-3);
	@highest = max(99);
	@last_pid = pid;
	@latency_avg[probe] = avg(100);
	@latency_stats = stats(-6); @latency_stats = stats(10);
	$filename = "/etc/hostname";
	@size[$filename] = hist(5); @size[$filename] = hist(1000);
	@linear = lhist(15, 0, 30, 10);
	@name[tid] = comm;
	@stacks[ustack] = count();
	@ = count();
}`

// TestRealScrapeOfEveryKindPassesPromtool scrapes a running gtrace whose
// maps hold every kind, in both formats, and has promtool check it.
func TestRealScrapeOfEveryKindPassesPromtool(t *testing.T) {
	bin := needTracing(t)
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("needs promtool (Debian's prometheus; scripts/setup-test-env installs it)")
	}
	addr := testkit.FreePort(t)
	tr := startGtrace(t, bin, addr, "-e", everyKindBT+` interval:s:60 { exit(); }`)
	// "Attaching" comes before BEGIN has run: scrape (bounded) until its
	// last map is there.
	var text string
	for i := 0; !strings.Contains(text, "gtrace_map_total 1\n"); i++ {
		if i == 100 {
			t.Fatalf("BEGIN's maps not in the scrape within 10 s:\n%s", text)
		}
		time.Sleep(100 * time.Millisecond)
		var err error
		if text, err = httpGet("http://" + addr + "/metrics"); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\nscrape:\n%s", err, out, text)
	}
	for _, want := range []string{
		"# TYPE gtrace_opens_total counter\ngtrace_opens_total{comm=\"gtrace\",pid=\"",
		"# TYPE gtrace_bytes_total counter\ngtrace_bytes_total{comm=\"gtrace\"} 4096\n",
		"# TYPE gtrace_delta gauge\ngtrace_delta -25\n",
		"gtrace_lowest{cpu=\"",
		"gtrace_highest 99\n",
		"gtrace_latency_avg_sum{probe=\"BEGIN\"} 100\ngtrace_latency_avg_count{probe=\"BEGIN\"} 1\n",
		"gtrace_latency_stats_sum 4\ngtrace_latency_stats_count 2\n",
		"gtrace_size_bucket{filename=\"/etc/hostname\",le=\"7\"} 1\n",
		"gtrace_size_bucket{filename=\"/etc/hostname\",le=\"1023\"} 2\n",
		"gtrace_size_count{filename=\"/etc/hostname\"} 2\n",
		"gtrace_linear_bucket{le=\"9\"} 0\ngtrace_linear_bucket{le=\"19\"} 1\n",
		"gtrace_map_total 1\n",
		"gtrace_probes_attached 2\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "gtrace_name") {
		t.Errorf("a map of strings was exported:\n%s", text)
	}
	om, err := func() (string, error) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
		req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type") + "\n" + string(b), nil
	}()
	if err != nil || !strings.HasPrefix(om, "application/openmetrics-text") || !strings.HasSuffix(om, "# EOF\n") {
		t.Errorf("OpenMetrics scrape: %v\n%s", err, om)
	}
	if code := tr.stop(t); code != 0 {
		t.Errorf("exit %d: %s", code, tr.stderr.String())
	}
}

// TestClearIsACounterReset: clear() in the script empties the map, and
// the counter starts again from zero, which Prometheus's rate() and
// increase() take as a reset.
func TestClearIsACounterReset(t *testing.T) {
	bin := needTracing(t)
	addr := testkit.FreePort(t)
	tr := startGtrace(t, bin, addr, "-e", `tracepoint:syscalls:sys_enter_lseek /pid == $1 && args.whence == 0/ {
	if (args.offset == 999) { clear(@seeks); } else { @seeks[comm] = count(); }
}`, strconv.Itoa(os.Getpid()))
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seek := func(off int64, n int) {
		for range n {
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
		}
	}
	sample := func() string {
		text, err := httpGet("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "gtrace_seeks_total{") {
				return line
			}
		}
		return ""
	}
	seek(1, 10)
	if got := sample(); got != `gtrace_seeks_total{comm="metrics.test"} 10` {
		t.Errorf("before clear: %q", got)
	}
	seek(999, 1)
	// clear() is an asynchronous action, as in bpftrace 0.17: the kernel
	// sends it through the ring buffer and the event loop empties the map
	// when it reads it. Wait for that, within a bound.
	start := time.Now()
	for got := sample(); got != ""; got = sample() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("5 s after clear: %q, want no sample", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("clear() applied %v after the lseek", time.Since(start).Round(time.Millisecond))
	seek(1, 3)
	if got := sample(); got != `gtrace_seeks_total{comm="metrics.test"} 3` {
		t.Errorf("after clear: %q, want 3 (a reset from 10)", got)
	}
	tr.stop(t)
}

// BenchmarkScrapeLive10kKeys is one scrape of a live gtrace whose map has
// 10,000 keys: reading the kernel map, exposition and HTTP included.
func BenchmarkScrapeLive10kKeys(b *testing.B) { benchScrapeLive(b, 10_000) }

// BenchmarkScrapeLive100kKeys is BenchmarkScrapeLive10kKeys with 100,000
// keys.
func BenchmarkScrapeLive100kKeys(b *testing.B) { benchScrapeLive(b, 100_000) }

func benchScrapeLive(b *testing.B, keys int) {
	testkit.NeedRoot(b)
	bin := testkit.Gtrace(b)
	addr := testkit.FreePort(b)
	cmd := exec.Command(bin, "--metrics", addr, "--metrics-max-keys", strconv.Itoa(keys), "-e", `tracepoint:syscalls:sys_enter_lseek /pid == $1 && args.whence == 0/ { @seeks[args.offset] = count(); }`, strconv.Itoa(os.Getpid()))
	cmd.Env = append(os.Environ(), "BPFTRACE_MAX_MAP_KEYS="+strconv.Itoa(2*keys))
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGINT); io.Copy(io.Discard, out); cmd.Wait() }()
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Attaching") {
	}
	go io.Copy(io.Discard, out)
	f, _ := os.Open("/proc/self/exe")
	defer f.Close()
	for i := range keys {
		f.Seek(int64(i), io.SeekStart)
	}
	text, err := httpGet("http://" + addr + "/metrics")
	if err != nil || strings.Count(text, "gtrace_seeks_total{") != keys {
		b.Fatalf("want %d samples: %v", keys, err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := httpGet("http://" + addr + "/metrics"); err != nil {
			b.Fatal(err)
		}
	}
}
