package metrics

import (
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// metricType is how one map is exported.
type metricType uint8

const (
	skipped metricType = iota // not numbers: strings, tuples, stacks as values
	counter
	gauge
	summary
	histogram
)

// typeOf returns how a map of the given kind is exported. sum() is a
// counter only when it adds unsigned values: a sum of signed values may
// go down, which a counter must never do.
func typeOf(m *output.Map) metricType {
	switch m.Kind {
	case lang.KindCount:
		return counter
	case lang.KindSum:
		if len(m.Entries) > 0 && m.Entries[0].Value.Signed {
			return gauge
		}
		return counter
	case lang.KindMin, lang.KindMax, lang.KindInt, lang.KindBool:
		return gauge
	case lang.KindAvg, lang.KindStats:
		return summary
	case lang.KindHist, lang.KindLhist:
		return histogram
	}
	return skipped
}

// seriesSuffixes are the names each type's samples take after the family
// name; a family's name is free only if all of them are.
var seriesSuffixes = map[metricType][]string{
	counter:   {"_total"},
	gauge:     {""},
	summary:   {"", "_sum", "_count"},
	histogram: {"", "_bucket", "_sum", "_count"},
}

// healthNames are gtrace's own metrics, reserved before any map's.
var healthNames = []string{
	"gtrace_lost_events_total", "gtrace_map_update_failures_total",
	"gtrace_probes_attached", "gtrace_run_seconds", "gtrace_metrics_keys_dropped",
}

// familyNames gives each exported map (in name order) its metric name, as
// the sample name of counters (with _total) and the family name of the
// rest. A name that would clash with a name already taken gets _2, _3, ...
// after the map's name.
func familyNames(maps []*output.Map, types []metricType) []string {
	taken := map[string]bool{}
	for _, n := range healthNames {
		taken[n] = true
	}
	names := make([]string, len(maps))
	for i, m := range maps {
		t := types[i]
		if t == skipped {
			continue
		}
		stem := "gtrace_" + metricSafe(strings.TrimPrefix(m.Name, "@"))
		if m.Name == "@" {
			stem = "gtrace_map"
		}
		base := stem
		for n := 2; clashes(taken, base, t); n++ {
			base = stem + "_" + strconv.Itoa(n)
		}
		for _, s := range seriesSuffixes[t] {
			taken[base+s] = true
		}
		names[i] = base + seriesSuffixes[t][0]
	}
	return names
}

func clashes(taken map[string]bool, base string, t metricType) bool {
	for _, s := range seriesSuffixes[t] {
		if taken[base+s] {
			return true
		}
	}
	return false
}

// metricSafe replaces what is outside the metric-name alphabet
// [a-zA-Z0-9_:] with '_'. bpftrace map names are identifiers, so this
// only guards against names the language may allow one day.
func metricSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
