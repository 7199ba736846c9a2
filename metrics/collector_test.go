package metrics

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/output"
)

// maps is a Source of fixed maps.
type maps struct {
	ms     []*output.Map
	health Health
}

func (s *maps) Snapshot(...string) ([]*output.Map, error) { return s.ms, nil }
func (s *maps) Health() Health                            { return s.health }

func program(t testing.TB, src string) *lang.Program {
	t.Helper()
	prog, diags := parse.Parse(lang.Source{Name: "stdin", Text: src}, parse.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return prog
}

func scrape(t testing.TB, c *Collector, accept string) (string, string) {
	t.Helper()
	srv := httptest.NewServer(Handler(c))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b.String())
	}
	return b.String(), resp.Header.Get("Content-Type")
}

// everyKind is a script with a map of every kind, and the values a run of
// it could hold.
const everyKindScript = `
tracepoint:syscalls:sys_enter_openat {
	@opens[comm, pid] = count();
	@bytes[comm] = sum((uint64)args.flags);
	@delta = sum(args.flags - 10);
	@lowest[cpu] = min(args.flags);
	@highest = max(args.flags);
	@last_pid = pid;
	@latency_avg[probe] = avg(args.flags);
	@latency_stats = stats(args.flags);
	@size[str(args.filename)] = hist(args.flags);
	@linear = lhist(args.flags, 0, 30, 10);
	@name[tid] = comm;
	@stacks[kstack] = count();
	@ = count();
	@map = count();
	@lost_events = count();
}`

func everyKindMaps() []*output.Map {
	k := func(parts ...output.Value) []output.Value { return parts }
	return []*output.Map{
		{Name: "@", Kind: lang.KindCount, Scalar: true, Entries: []output.Entry{{Value: output.Count(7)}}},
		{Name: "@bytes", Kind: lang.KindSum, Entries: []output.Entry{{Key: k(output.Str("cat")), Value: output.Sum(4096, false)}}},
		{Name: "@delta", Kind: lang.KindSum, Scalar: true, Entries: []output.Entry{{Value: output.Sum(-25, true)}}},
		{Name: "@highest", Kind: lang.KindMax, Scalar: true, Entries: []output.Entry{{Value: output.Max(99)}}},
		{Name: "@last_pid", Kind: lang.KindInt, Scalar: true, Entries: []output.Entry{{Value: output.Int(4242)}}},
		{Name: "@latency_avg", Kind: lang.KindAvg, Entries: []output.Entry{{Key: k(output.TextOf(lang.KindProbe, "tracepoint:syscalls:sys_enter_openat")), Value: output.Avg(4, 100)}}},
		{Name: "@latency_stats", Kind: lang.KindStats, Scalar: true, Entries: []output.Entry{{Value: output.Stats(3, -6)}}},
		{Name: "@linear", Kind: lang.KindLhist, Scalar: true, Entries: []output.Entry{{Value: output.LhistOf([]uint64{1, 2, 0, 3, 4}, 0, 30, 10)}}},
		{Name: "@lost_events", Kind: lang.KindCount, Scalar: true, Entries: []output.Entry{{Value: output.Count(1)}}},
		{Name: "@lowest", Kind: lang.KindMin, Entries: []output.Entry{{Key: k(output.Int(0)), Value: output.Min(-3)}, {Key: k(output.Int(1)), Value: output.Min(2)}}},
		{Name: "@map", Kind: lang.KindCount, Scalar: true, Entries: []output.Entry{{Value: output.Count(2)}}},
		{Name: "@name", Kind: lang.KindStr, Entries: []output.Entry{{Key: k(output.Int(1)), Value: output.Str("cat")}}},
		{Name: "@opens", Kind: lang.KindCount, Entries: []output.Entry{
			{Key: k(output.Str("cat"), output.Int(12)), Value: output.Count(3)},
			{Key: k(output.Str(`we"ird\`), output.Int(-1)), Value: output.Count(1)},
		}},
		{Name: "@size", Kind: lang.KindHist, Entries: []output.Entry{{Key: k(output.Str("/etc/hostname")), Value: output.HistOf(func() []uint64 {
			b := make([]uint64, output.HistBuckets(0))
			b[0], b[1], b[output.HistIndex(5, 0)], b[output.HistIndex(100, 0)] = 1, 2, 3, 4
			return b
		}(), 0)}}},
		{Name: "@stacks", Kind: lang.KindCount, Entries: []output.Entry{{Key: k(output.KStack(output.StackBpftrace,
			output.Frame{Addr: 0xffffffff81000010, Sym: "do_sys_openat2", Off: 16}, output.Frame{Addr: 0xffffffff81000100, Sym: "__x64_sys_openat"}, output.Frame{Addr: 0xffffffff81abc})), Value: output.Count(5)}}},
	}
}

// TestExpositionOfEveryKind compares the text exposition of a map of
// every kind with testdata/every_kind.prom, and has promtool check it.
func TestExpositionOfEveryKind(t *testing.T) {
	c := NewCollector(&maps{ms: everyKindMaps(), health: Health{LostEvents: 2, MapUpdateFailures: 1, Probes: 1, Running: 1500 * time.Millisecond}}, program(t, everyKindScript), Options{})
	got, ctype := scrape(t, c, "")
	if !strings.HasPrefix(ctype, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want the text format", ctype)
	}
	const golden = "testdata/every_kind.prom"
	testkit.Golden(t, golden, got)
	promtoolCheck(t, got)
	// The text parses back as Prometheus parses it.
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gtrace_map_total", "gtrace_map_2_total", "gtrace_lost_events_2_total", "gtrace_delta", "gtrace_bytes_total", "gtrace_size", "gtrace_linear"} {
		if fams[strings.TrimSuffix(name, "_total")] == nil && fams[name] == nil {
			t.Errorf("no family %s", name)
		}
	}
}

// promtoolCheck runs `promtool check metrics` on a scrape when promtool is
// installed (scripts/setup-test-env installs it).
func promtoolCheck(t *testing.T, scrape string) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Log("promtool not installed (package prometheus): not checked")
		return
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestOpenMetricsByContentNegotiation(t *testing.T) {
	c := NewCollector(&maps{ms: everyKindMaps()}, program(t, everyKindScript), Options{})
	got, ctype := scrape(t, c, "application/openmetrics-text; version=1.0.0")
	if !strings.HasPrefix(ctype, "application/openmetrics-text") || !strings.HasSuffix(got, "# EOF\n") {
		t.Errorf("Content-Type %q, body ends %q: want OpenMetrics", ctype, got[max(0, len(got)-20):])
	}
	if !strings.Contains(got, "# TYPE gtrace_opens counter\ngtrace_opens_total{comm=\"cat\",pid=\"12\"} 3") {
		t.Errorf("OpenMetrics counter family not as expected:\n%s", got)
	}
}

func TestLabelNames(t *testing.T) {
	got := LabelNames(program(t, `
tracepoint:syscalls:sys_enter_openat {
	@a[comm, pid, tid, cpu] = count();
	@b[probe, func] = count();
	@c[args.filename, str(args->filename)] = count();
	@d[pid + 1, (uint32)tid] = count();
	@e[$x] = count();
	@f[pid] = count(); @f[tid] = count();
	@g[kstack, ustack(3)] = count();
	@h[le] = count();
	@i[(comm, pid)] = count();
}`))
	want := map[string]string{
		"@a": "comm pid tid cpu", "@b": "probe func", "@c": "filename key2", "@d": "key1 tid",
		"@e": "x", "@f": "key1", "@g": "kstack ustack", "@h": "key1", "@i": "comm pid",
	}
	for name, w := range want {
		if g := strings.Join(got[name], " "); g != w {
			t.Errorf("%s: labels %q, want %q", name, g, w)
		}
	}
}

// TestKeyLimit: a map with more keys than the limit exports those with
// the largest values, warns once and counts the rest.
func TestKeyLimit(t *testing.T) {
	m := &output.Map{Name: "@big", Kind: lang.KindCount}
	for i := range 20 {
		m.Entries = append(m.Entries, output.Entry{Key: []output.Value{output.Int(int64(i))}, Value: output.Count(uint64(i))})
	}
	var warn bytes.Buffer
	c := NewCollector(&maps{ms: []*output.Map{m}}, program(t, `BEGIN { @big[1] = count(); }`), Options{MaxKeys: 5, Warnings: &warn})
	got, _ := scrape(t, c, "")
	scrape(t, c, "")
	for i := range 20 {
		has := strings.Contains(got, fmt.Sprintf("gtrace_big_total{key1=\"%d\"} %d\n", i, i))
		if has != (i >= 15) {
			t.Errorf("key %d exported: %v", i, has)
		}
	}
	if !strings.Contains(got, "gtrace_metrics_keys_dropped{map=\"@big\"} 15\n") {
		t.Errorf("no keys_dropped sample:\n%s", got)
	}
	if w := warn.String(); w != "WARNING: --metrics: @big has 20 keys; exporting the 5 with the largest values (gtrace_metrics_keys_dropped counts the rest)\n" {
		t.Errorf("warnings %q", w)
	}
}

// BenchmarkScrape10kKeys is the time of one scrape of a map of 10,000
// keys (comm, pid) -> count(), text format.
func BenchmarkScrape10kKeys(b *testing.B) { benchScrape(b, 10_000) }

// BenchmarkScrape100kKeys is BenchmarkScrape10kKeys with 100,000 keys.
func BenchmarkScrape100kKeys(b *testing.B) { benchScrape(b, 100_000) }

func benchScrape(b *testing.B, keys int) {
	m := &output.Map{Name: "@opens", Kind: lang.KindCount}
	for i := range keys {
		m.Entries = append(m.Entries, output.Entry{Key: []output.Value{output.Str(fmt.Sprintf("proc-%d", i%97)), output.Int(int64(i))}, Value: output.Count(uint64(i))})
	}
	c := NewCollector(&maps{ms: []*output.Map{m}}, program(b, `tracepoint:syscalls:sys_enter_openat { @opens[comm, pid] = count(); }`), Options{MaxKeys: keys})
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		fams, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, f := range fams {
			if err := enc.Encode(f); err != nil {
				b.Fatal(err)
			}
		}
	}
}
