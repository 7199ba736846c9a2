// Package merge combines the `-f json` outputs of many runs of one script
// (one per host) into one set of maps, printed by the output package as
// gtrace prints maps: counts and sums add, hist and lhist add bucket by
// bucket, stats combine exactly from their count and total, min and max
// keep the extreme.
//
// bpftrace's JSON does not say which aggregation made an integer map, nor
// how many values an avg() averaged; Kinds read from the script (Hints)
// settle the first, and avg() maps are merged only where a key comes from
// one input (their counts are not in the JSON).
package merge
