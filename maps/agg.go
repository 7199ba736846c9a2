package maps

import (
	"encoding/binary"

	"github.com/gtrace/gtrace/lang"
)

// Aggregation value layouts (one copy per CPU; user space merges them):
//
//	count, sum    8 bytes: u64 / s64 running total
//	min, max      16 bytes: s64 value, u64 "set" flag. Without the flag a
//	              CPU that never saw the key (its copy is zero-filled when
//	              another CPU inserted it) would look like a minimum of 0.
//	avg, stats    16 bytes: u64 count, s64 total. One value per key, so
//	              one lookup per event (bpftrace 0.17 uses two keys, key||0
//	              and key||1, hence two lookups).
//	hist, lhist   a u64 array with one counter per bucket (HistBuckets,
//	              LhistBuckets).
//
// hist/lhist keep the whole bucket array in one map value rather than
// bpftrace 0.17's key||bucket → count: an event costs one lookup of the
// user key (no key copy with an appended index), printing reads one entry
// per key instead of one per non-empty bucket, and max_map_keys counts user
// keys, not buckets. The price is memory (65×8 bytes per key and CPU for
// hist, up to 15 KiB for hist(x, 5)); large values therefore use a map
// without preallocation (Def.Flags), and the BPF side initialises a new
// key from a zero-filled array map value rather than the 512-byte stack.
const (
	// MinMaxSetOffset is the offset of the "set" flag of min/max values.
	MinMaxSetOffset = 8
	// AvgCountOffset and AvgTotalOffset locate the fields of avg/stats.
	AvgCountOffset = 0
	AvgTotalOffset = 8
)

var le = binary.LittleEndian

// Merge folds one CPU's copy of an aggregation value (src) into dst.
// For non-aggregation kinds it does nothing (they are not per-CPU).
func Merge(t *lang.Type, dst, src []byte) {
	switch t.Kind {
	case lang.KindCount, lang.KindSum:
		le.PutUint64(dst, le.Uint64(dst)+le.Uint64(src))
	case lang.KindMin, lang.KindMax:
		if le.Uint64(src[MinMaxSetOffset:]) == 0 {
			return
		}
		s := int64(le.Uint64(src))
		if le.Uint64(dst[MinMaxSetOffset:]) != 0 {
			d := int64(le.Uint64(dst))
			if t.Kind == lang.KindMin && d <= s || t.Kind == lang.KindMax && d >= s {
				return
			}
		}
		le.PutUint64(dst, uint64(s))
		le.PutUint64(dst[MinMaxSetOffset:], 1)
	case lang.KindAvg, lang.KindStats, lang.KindHist, lang.KindLhist:
		n := min(len(dst), len(src)) &^ 7
		for i := 0; i < n; i += 8 {
			le.PutUint64(dst[i:], le.Uint64(dst[i:])+le.Uint64(src[i:]))
		}
	}
}

// PerCPU reports whether values of type t live in a per-CPU map.
func PerCPU(t *lang.Type) bool { return t != nil && t.Kind.IsAggregation() }
