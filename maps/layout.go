package maps

import (
	"fmt"

	"github.com/gtrace/gtrace/lang"
)

// SizeOf returns the number of bytes a value of type t occupies in a map
// key, map value, event record or BPF stack slot.
func SizeOf(t *lang.Type) int {
	switch t.Kind {
	case lang.KindInt, lang.KindBool:
		return t.Size
	case lang.KindStr:
		return t.Size
	case lang.KindBuf:
		return 8 + t.Size
	case lang.KindInet:
		return 24
	case lang.KindMacAddr:
		return 6
	case lang.KindTimestamp:
		return TimestampSize
	case lang.KindTuple:
		size, _ := tupleLayout(t)
		return size
	case lang.KindRecord:
		return t.Size
	case lang.KindArray:
		return t.Len * SizeOf(t.Elem)
	case lang.KindNone:
		return 0
	case lang.KindMin, lang.KindMax, lang.KindAvg, lang.KindStats:
		return 16
	case lang.KindHist:
		return 8 * HistBuckets(t.Bits)
	case lang.KindLhist:
		return 8 * LhistBuckets(t.Min, t.Max, t.Step)
	}
	// Pointers, stacks, ksym, usym, probe, username, cgroup path,
	// strerror, count, sum.
	return 8
}

// A strftime() value is bpftrace 0.17's: the index of the strftime() call
// (its format, codegen.Program.TimeFormats), then the whole 64-bit
// boot-clock nanoseconds, each a little-endian uint64.
const (
	TimestampSize     = 16
	TimestampIDOffset = 0
	TimestampNsOffset = 8
)

// AlignOf returns the alignment of a value of type t inside a tuple.
func AlignOf(t *lang.Type) int { return t.Align() }

// Layout returns the offset of each element of a tuple type.
func Layout(t *lang.Type) []int {
	if t.Kind != lang.KindTuple {
		panic(fmt.Sprintf("BUG: maps.Layout of %s", t))
	}
	_, offs := tupleLayout(t)
	return offs
}

func tupleLayout(t *lang.Type) (int, []int) {
	offs := make([]int, len(t.Elems))
	off := 0
	for i, e := range t.Elems {
		off = alignUp(off, AlignOf(e))
		offs[i] = off
		off += SizeOf(e)
	}
	return alignUp(off, AlignOf(t)), offs
}

func alignUp(n, a int) int { return lang.AlignUp(n, a) }

// Round8 rounds n up to a multiple of 8, the granularity of BPF stack
// slots and ring-buffer record fields.
func Round8(n int) int { return alignUp(n, 8) }

// HistBuckets is the number of buckets of hist(x, k): 0 for x < 0, then the
// power-of-two layout of output.HistIndex.
func HistBuckets(k int) int { return (64-k)<<k + 1 }

// LhistBuckets is the number of buckets of lhist(x, min, max, step):
// underflow, (max-min)/step linear buckets, overflow.
func LhistBuckets(min, max, step int64) int {
	if step <= 0 {
		return 2
	}
	return int((max-min)/step) + 2
}
