package output

import (
	"math"

	"github.com/gtrace/gtrace/lang"
)

// The accessors below read a Value as a Go program embedding gtrace wants
// it (a live map snapshot, a printf argument). They read the same fields
// the printers read, so a number taken from a snapshot is the number
// bpftrace would print for it.

// String returns the value as print() and a map's value column show it
// (a stack starts with a newline; a hist is its rows of bars).
func (v Value) String() string { return string(appendText(nil, v)) }

// KeyString returns the value as it shows inside a map key's brackets:
// integers signed, pointers in hex, stacks indented by 4.
func (v Value) KeyString() string { return string(appendKey(nil, v)) }

// Int64 returns an integer, count, sum, min, max, pointer or bool as a
// signed integer, and the truncated average bpftrace prints for avg() and
// stats(). Other kinds return 0.
func (v Value) Int64() int64 {
	switch v.Kind {
	case lang.KindAvg, lang.KindStats:
		return v.Average()
	case lang.KindInt, lang.KindPtr, lang.KindBool, lang.KindCount,
		lang.KindSum, lang.KindMin, lang.KindMax, lang.KindKsym, lang.KindUsym:
		return int64(v.Int)
	}
	return 0
}

// Uint64 returns Int as an unsigned integer: the value of an unsigned
// integer, count() or address. Other kinds return 0.
func (v Value) Uint64() uint64 {
	switch v.Kind {
	case lang.KindInt, lang.KindPtr, lang.KindBool, lang.KindCount,
		lang.KindSum, lang.KindMin, lang.KindMax, lang.KindKsym, lang.KindUsym:
		return v.Int
	}
	return 0
}

// Float64 returns a number as a float, signed or unsigned as the value
// is; for avg() and stats() the exact mean Total/Count (bpftrace prints
// it truncated to an integer: Int64); for hist() and lhist() the number
// of values counted. Other kinds return 0.
func (v Value) Float64() float64 {
	switch v.Kind {
	case lang.KindAvg, lang.KindStats:
		if v.Int == 0 {
			return 0
		}
		return float64(v.Total) / float64(v.Int)
	case lang.KindHist, lang.KindLhist:
		return float64(v.Count())
	case lang.KindInt, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindPtr,
		lang.KindBool, lang.KindCount, lang.KindKsym, lang.KindUsym:
		if v.Signed {
			return float64(int64(v.Int))
		}
		return float64(v.Int)
	}
	return 0
}

// Count returns how many values an aggregation has seen: the value of
// count(), the count of avg() and stats(), the sum of a hist's or lhist's
// buckets. Other kinds return 0.
func (v Value) Count() uint64 {
	switch v.Kind {
	case lang.KindCount, lang.KindAvg, lang.KindStats:
		return v.Int
	case lang.KindHist, lang.KindLhist:
		return histTotal(v)
	}
	return 0
}

// Sum returns the total of sum(), avg() and stats(). Other kinds return 0.
func (v Value) Sum() int64 {
	switch v.Kind {
	case lang.KindSum:
		return int64(v.Int)
	case lang.KindAvg, lang.KindStats:
		return v.Total
	}
	return 0
}

// Bucket is one bucket of a hist() or lhist(): Count values v with
// Low <= v < High. The first bucket of either has Low = math.MinInt64 (the
// values below the first bound); the last one has High = math.MaxInt64 and
// holds every value from Low up (math.MaxInt64 included).
type Bucket struct {
	Low, High int64
	Count     uint64
}

// Ranges returns every bucket of the histogram, empty ones included, in
// order (the text printer shows those from the first non-empty one to the
// last). The bounds are those the bucket index functions (HistIndex,
// LhistIndex) file values by, and those the printer's labels name.
func (h *Hist) Ranges() []Bucket {
	out := make([]Bucket, len(h.Buckets))
	lin := h.Step > 0
	for i, c := range h.Buckets {
		b := Bucket{Count: c, Low: math.MinInt64, High: math.MaxInt64}
		if lin {
			if i > 0 {
				b.Low = h.Min + int64(i-1)*h.Step
			}
			if i < len(h.Buckets)-1 {
				b.High = h.Min + int64(i)*h.Step
			}
		} else {
			if i > 0 {
				b.Low = clampInt64(histBound(i, h.Bits))
			}
			if i < len(h.Buckets)-1 {
				b.High = clampInt64(histBound(i+1, h.Bits))
			}
		}
		out[i] = b
	}
	return out
}

func clampInt64(u uint64) int64 { return int64(min(u, math.MaxInt64)) }
