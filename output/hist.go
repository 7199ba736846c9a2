package output

import (
	"math/bits"
	"strconv"
)

// Histogram bucket layout and labels.
//
// hist(x) in bpftrace v0.17 has 65 buckets: 0 for x < 0, 1 for x == 0, then
// bucket i >= 2 for [2^(i-2), 2^(i-1)). hist(x, k) (v0.20+) splits every
// power of two into 2^k sub-buckets; with k == 0 it is the same layout.

// HistBuckets is the number of buckets of hist(x, k).
func HistBuckets(k int) int { return (64-k)<<k + 1 }

// HistIndex returns the bucket of v in hist(x, k), 0 <= k <= 5.
func HistIndex(v int64, k int) int {
	n := int64(1) << k
	switch {
	case v < 0:
		return 0
	case v < 2*n:
		// The first 2^(k+1) values have a bucket each.
		return int(v) + 1
	}
	p := bits.Len64(uint64(v)) - 1 // floor(log2 v) >= k+1
	sub := (v >> (p - k)) & (n - 1)
	return (p-k+1)<<k + int(sub) + 1
}

// histBound returns the lower bound of bucket i >= 1 (the upper bound of
// bucket i-1), as a value and as a label. Buckets up to 2^(k+1) hold one
// value each and are labelled by it; higher bounds are
// 2^((i-1)>>k - 1) * (2^k + (i-1) mod 2^k) with a K/M/G/... suffix for each
// whole power of 1024 (v0.26 labels; v0.17 only has k == 0, handled by
// hist17Label).
func histBound(i, k int) uint64 {
	j := i - 1
	n := 1 << k
	if j <= 2*n {
		return uint64(j)
	}
	power := j>>k - 1
	return uint64(n+j&(n-1)) << power
}

// appendHistLabel appends the label of the lower bound of bucket i >= 1.
func appendHistLabel(b []byte, i, k int) []byte {
	if k == 0 {
		return appendHist17Label(b, i)
	}
	j := i - 1
	n := 1 << k
	if j <= 2*n {
		return strconv.AppendInt(b, int64(j), 10)
	}
	power := j>>k - 1
	decade := power / 10
	b = strconv.AppendUint(b, uint64(n+j&(n-1))<<(power-10*decade), 10)
	if decade > 0 {
		b = append(b, " KMGTPE"[decade])
	}
	return b
}

// appendHist17Label writes bpftrace v0.17's label for the lower bound of
// bucket i of hist(x): 0 and 1 plainly, then powers of two with the largest
// suffix among K, M, G, T. v0.17 knows no P or E, so 2^50 prints as 1024T.
func appendHist17Label(b []byte, i int) []byte {
	if i <= 2 {
		return strconv.AppendInt(b, int64(i-1), 10)
	}
	power := i - 2
	var suffix byte
	switch {
	case power >= 40:
		suffix, power = 'T', power-40
	case power >= 30:
		suffix, power = 'G', power-30
	case power >= 20:
		suffix, power = 'M', power-20
	case power >= 10:
		suffix, power = 'K', power-10
	}
	b = strconv.AppendUint(b, 1<<power, 10)
	if suffix != 0 {
		b = append(b, suffix)
	}
	return b
}

// appendHistRowLabel writes the label of bucket i: "(..., 0)" for
// negatives, "[v]" for a bucket holding a single value, "[lo, hi)" else.
func appendHistRowLabel(b []byte, i, k int) []byte {
	if i == 0 {
		return append(b, "(..., 0)"...)
	}
	b = append(b, '[')
	b = appendHistLabel(b, i, k)
	if histBound(i+1, k)-histBound(i, k) == 1 {
		return append(b, ']')
	}
	b = append(b, ", "...)
	b = appendHistLabel(b, i+1, k)
	return append(b, ')')
}

// LhistIndex returns the bucket of v in lhist(x, min, max, step).
func LhistIndex(v, min, max, step int64) int {
	switch {
	case v < min:
		return 0
	case v >= max:
		return int((max-min)/step) + 1
	}
	return int((v-min)/step) + 1
}

// LhistBuckets is the number of buckets of lhist(x, min, max, step).
func LhistBuckets(min, max, step int64) int { return int((max-min)/step) + 2 }

// appendLhistNumber writes an lhist bound as v0.17 does: a multiple of
// 2^20 as "<n>M", of 2^10 as "<n>K", anything else (and 0) plainly. (v0.24+
// only uses suffixes when the step is a multiple of 1024.)
func appendLhistNumber(b []byte, v int64) []byte {
	const kilo, mega = 1 << 10, 1 << 20
	switch {
	case v == 0:
		return append(b, '0')
	case v%mega == 0:
		return append(strconv.AppendInt(b, v/mega, 10), 'M')
	case v%kilo == 0:
		return append(strconv.AppendInt(b, v/kilo, 10), 'K')
	}
	return strconv.AppendInt(b, v, 10)
}

// appendLhistRowLabel writes the label of bucket i of an lhist.
func appendLhistRowLabel(b []byte, h *Hist, i int) []byte {
	last := int((h.Max-h.Min)/h.Step) + 1
	switch i {
	case 0:
		b = append(b, "(..., "...)
		b = appendLhistNumber(b, h.Min)
		return append(b, ')')
	case last:
		b = append(b, '[')
		b = appendLhistNumber(b, h.Max)
		return append(b, ", ...)"...)
	}
	b = append(b, '[')
	b = appendLhistNumber(b, int64(i-1)*h.Step+h.Min)
	b = append(b, ", "...)
	b = appendLhistNumber(b, int64(i)*h.Step+h.Min)
	return append(b, ')')
}

// usedRange returns the first and last non-empty bucket, or -1, -1 when all
// are empty: bpftrace prints only that range, zero rows inside it included.
func usedRange(buckets []uint64) (first, last int) {
	first, last = -1, -1
	for i, c := range buckets {
		if c > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// barWidth is the number of '@' for count when the fullest bucket holds max.
// bpftrace computes count/(float)max*52 in single precision and truncates;
// doing the same in float32 keeps the rounding identical.
func barWidth(count, max uint64) int {
	if max == 0 {
		return 0
	}
	w := int(float32(count) / float32(max) * 52)
	if w > 52 {
		w = 52
	}
	return w
}
