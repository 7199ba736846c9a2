// Package metrics serves a running script's maps as Prometheus metrics
// (gtrace --metrics ADDR): a prometheus/client_golang Collector that, at
// each scrape, reads the maps through a Source (a *gtrace.Run) and turns
// every numeric map into one metric family.
//
// Names and types (the README's "Metrics" section says the same to users):
//
//	@name -> gtrace_name, the anonymous map @ -> gtrace_map
//	count()                    counter    gtrace_name_total
//	sum() of unsigned values   counter    gtrace_name_total
//	sum() of signed values     gauge      gtrace_name (it may go down)
//	min(), max(), integers     gauge      gtrace_name
//	avg(), stats()             summary    gtrace_name_sum, gtrace_name_count
//	hist(), lhist()            histogram  gtrace_name_bucket{le=...}, _sum (0), _count
//
// One label per key part, named after the key expression (see LabelNames).
// Maps of strings, tuples or stacks as values are not numbers and are left
// out. A name another map (or gtrace's own metrics) already uses gets _2,
// _3, ... before its type's suffix. A map with more keys than the limit
// exports the keys with the largest values and says so, once, on the
// warning writer and in gtrace_metrics_keys_dropped.
package metrics
