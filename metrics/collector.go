package metrics

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Source is what a scrape reads: the maps of a running script, and its
// health. *gtrace.Run is one (through cmd/gtrace's adapter); tests use
// others.
type Source interface {
	// Snapshot returns every map of the script, in name order, as it is
	// now (empty maps included, with their Kind).
	Snapshot(names ...string) ([]*output.Map, error)
	// Health returns gtrace's own counters.
	Health() Health
}

// Health is gtrace's own state, exported beside the maps.
type Health struct {
	LostEvents        uint64        // events dropped because the ring buffer was full
	MapUpdateFailures uint64        // map updates refused because a map was full
	Probes            int           // probes attached
	Running           time.Duration // since the probes were attached
}

// DefaultMaxKeys is the number of keys a map exports at most, unless
// Options.MaxKeys says otherwise.
const DefaultMaxKeys = 10000

// Options tunes a Collector.
type Options struct {
	// MaxKeys is the most keys one map exports per scrape (0:
	// DefaultMaxKeys); a map with more exports those with the largest
	// values.
	MaxKeys int
	// Warnings receives one line per map the first time it has more keys
	// than MaxKeys (nil: none).
	Warnings io.Writer
}

// Collector is a prometheus.Collector over a Source. It is "unchecked"
// (Describe sends nothing): the families depend on the maps' contents.
type Collector struct {
	src    Source
	labels map[string][]string
	opts   Options

	mu     sync.Mutex
	warned map[string]bool
	signed map[string]bool // sum() maps: signedness seen in their first entry
}

// NewCollector returns a collector of src's maps, labelled after the key
// expressions of prog (LabelNames).
func NewCollector(src Source, prog *lang.Program, opts Options) *Collector {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	return &Collector{src: src, labels: LabelNames(prog), opts: opts, warned: map[string]bool{}, signed: map[string]bool{}}
}

// Describe sends nothing: the collector is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect reads every map and sends its samples, then gtrace's health.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	maps, err := c.src.Snapshot()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(prometheus.NewDesc("gtrace_error", "reading the maps failed", nil, nil), err)
		return
	}
	types := c.types(maps)
	names := familyNames(maps, types)
	dropped := map[string]int{}
	for i, m := range maps {
		if types[i] == skipped || len(m.Entries) == 0 {
			continue
		}
		entries := c.limit(m)
		if d := len(m.Entries) - len(entries); d > 0 {
			dropped[m.Name] = d
		}
		c.collectMap(ch, m, entries, types[i], names[i])
	}
	c.collectHealth(ch, dropped)
}

// types returns how each map is exported, remembering the signedness of
// sum() maps so that an empty map keeps the type it had.
func (c *Collector) types(maps []*output.Map) []metricType {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]metricType, len(maps))
	for i, m := range maps {
		if m.Kind == lang.KindSum {
			if len(m.Entries) > 0 {
				c.signed[m.Name] = m.Entries[0].Value.Signed
			}
			if c.signed[m.Name] {
				out[i] = gauge
			} else {
				out[i] = counter
			}
			continue
		}
		out[i] = typeOf(m)
	}
	return out
}

// limit returns the entries to export: all of them, or the MaxKeys with
// the largest values (counts of hist and stats), warning once per map.
func (c *Collector) limit(m *output.Map) []output.Entry {
	if len(m.Entries) <= c.opts.MaxKeys {
		return m.Entries
	}
	c.mu.Lock()
	if !c.warned[m.Name] && c.opts.Warnings != nil {
		fmt.Fprintf(c.opts.Warnings, "WARNING: --metrics: %s has %d keys; exporting the %d with the largest values (gtrace_metrics_keys_dropped counts the rest)\n", m.Name, len(m.Entries), c.opts.MaxKeys)
	}
	c.warned[m.Name] = true
	c.mu.Unlock()
	idx := make([]int, len(m.Entries))
	for i := range idx {
		idx[i] = i
	}
	weight := func(v output.Value) float64 {
		switch v.Kind {
		case lang.KindHist, lang.KindLhist, lang.KindAvg, lang.KindStats:
			return float64(v.Count())
		}
		return v.Float64()
	}
	slices.SortFunc(idx, func(a, b int) int {
		wa, wb := weight(m.Entries[a].Value), weight(m.Entries[b].Value)
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return a - b
	})
	out := make([]output.Entry, c.opts.MaxKeys)
	for i := range out {
		out[i] = m.Entries[idx[i]]
	}
	return out
}

// collectMap sends one sample (or summary, or histogram) per entry.
func (c *Collector) collectMap(ch chan<- prometheus.Metric, m *output.Map, entries []output.Entry, t metricType, name string) {
	labels := c.labelNames(m)
	help := "gtrace map " + m.Name + " (" + m.Kind.String() + "())"
	if m.Kind == lang.KindInt || m.Kind == lang.KindBool {
		help = "gtrace map " + m.Name
	}
	desc := prometheus.NewDesc(name, help, labels, nil)
	values := make([]string, len(labels))
	for _, e := range entries {
		for i := range values {
			values[i] = ""
			if i < len(e.Key) {
				values[i] = labelValue(e.Key[i])
			}
		}
		v := e.Value
		var metric prometheus.Metric
		var err error
		switch t {
		case counter:
			metric, err = prometheus.NewConstMetric(desc, prometheus.CounterValue, v.Float64(), values...)
		case gauge:
			metric, err = prometheus.NewConstMetric(desc, prometheus.GaugeValue, v.Float64(), values...)
		case summary:
			metric, err = prometheus.NewConstSummary(desc, v.Count(), float64(v.Sum()), nil, values...)
		case histogram:
			count, buckets := histBuckets(v.Hist)
			// hist() and lhist() keep no sum of their values: _sum is 0.
			metric, err = prometheus.NewConstHistogram(desc, count, 0, buckets, values...)
		}
		if err != nil {
			metric = prometheus.NewInvalidMetric(desc, err)
		}
		ch <- metric
	}
}

// labelNames returns the labels of a map's key parts; a map the script
// never indexes by keys (or one LabelNames does not know) gets key1..N
// from its first entry.
func (c *Collector) labelNames(m *output.Map) []string {
	if m.Scalar || len(m.Entries) == 0 {
		return nil
	}
	n := len(m.Entries[0].Key)
	if l := c.labels[m.Name]; len(l) == n {
		return l
	}
	out := make([]string, n)
	for i := range out {
		out[i] = "key" + strconv.Itoa(i+1)
	}
	return out
}

// labelValue is a key part as bpftrace prints it inside the brackets;
// stacks (many lines there) become their frames (sym+off, or the address
// when it did not resolve) joined by ";", outermost first, as folded
// stacks are.
func labelValue(v output.Value) string {
	if v.Stack == nil {
		return v.KeyString()
	}
	frames := make([]string, 0, len(v.Stack.Frames))
	for i := len(v.Stack.Frames) - 1; i >= 0; i-- {
		f := v.Stack.Frames[i]
		switch {
		case f.Sym == "":
			frames = append(frames, "0x"+strconv.FormatUint(f.Addr, 16))
		case f.Off != 0:
			frames = append(frames, f.Sym+"+"+strconv.FormatUint(f.Off, 10))
		default:
			frames = append(frames, f.Sym)
		}
	}
	return strings.Join(frames, ";")
}

// histBuckets returns the total count and the cumulative counts by upper
// bound. bpftrace's buckets hold integers Low <= v < High, so the
// inclusive bound Prometheus's le wants is High-1; the open top bucket is
// +Inf (client_golang adds it from the total).
func histBuckets(h *output.Hist) (uint64, map[float64]uint64) {
	buckets := map[float64]uint64{}
	var cum uint64
	if h == nil {
		return 0, buckets
	}
	for _, b := range h.Ranges() {
		cum += b.Count
		if b.High == math.MaxInt64 {
			continue
		}
		buckets[float64(b.High-1)] = cum
	}
	return cum, buckets
}

// collectHealth sends gtrace's own metrics.
func (c *Collector) collectHealth(ch chan<- prometheus.Metric, dropped map[string]int) {
	h := c.src.Health()
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("gtrace_lost_events_total",
		"Events dropped because the ring buffer was full", nil, nil), prometheus.CounterValue, float64(h.LostEvents))
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("gtrace_map_update_failures_total",
		"Map updates refused because the map was full (BPFTRACE_MAX_MAP_KEYS)", nil, nil), prometheus.CounterValue, float64(h.MapUpdateFailures))
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("gtrace_probes_attached",
		"Probes attached", nil, nil), prometheus.GaugeValue, float64(h.Probes))
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("gtrace_run_seconds",
		"Seconds since the probes were attached", nil, nil), prometheus.GaugeValue, h.Running.Seconds())
	desc := prometheus.NewDesc("gtrace_metrics_keys_dropped",
		"Keys of a map left out of the last scrape because the map had more than the key limit", []string{"map"}, nil)
	for name, n := range dropped {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), name)
	}
}
