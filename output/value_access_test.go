package output

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// TestRangesAgreeWithIndex files values into buckets with the index
// functions the kernel side mirrors, and checks that Ranges puts each one
// inside its bucket's bounds.
func TestRangesAgreeWithIndex(t *testing.T) {
	values := []int64{math.MinInt64, -5, -1, 0, 1, 2, 3, 4, 7, 8, 9, 100, 1023, 1024, 1 << 40, math.MaxInt64 - 1, math.MaxInt64}
	for k := 0; k <= 5; k++ {
		h := &Hist{Buckets: make([]uint64, HistBuckets(k)), Bits: k}
		rs := h.Ranges()
		for _, v := range values {
			i := HistIndex(v, k)
			if b := rs[i]; v < b.Low || (v >= b.High && b.High != math.MaxInt64) {
				t.Errorf("hist k=%d: %d filed in bucket %d = [%d, %d)", k, v, i, b.Low, b.High)
			}
		}
		for i := 1; i < len(rs); i++ {
			if rs[i].Low != rs[i-1].High {
				t.Errorf("hist k=%d: bucket %d starts at %d, bucket %d ends at %d", k, i, rs[i].Low, i-1, rs[i-1].High)
			}
		}
	}
	for _, l := range []struct{ min, max, step int64 }{{0, 100, 10}, {-50, 50, 25}, {0, 10, 3}, {1024, 1 << 20, 1024}} {
		h := &Hist{Buckets: make([]uint64, LhistBuckets(l.min, l.max, l.step)), Min: l.min, Max: l.max, Step: l.step}
		rs := h.Ranges()
		for v := l.min - 2*l.step; v < l.max+2*l.step; v++ {
			i := LhistIndex(v, l.min, l.max, l.step)
			if b := rs[i]; v < b.Low || v >= b.High {
				t.Errorf("lhist %v: %d filed in bucket %d = [%d, %d)", l, v, i, b.Low, b.High)
			}
		}
	}
}

// TestRangesAgreeWithLabels checks the bounds against the row labels the
// text printer writes for hist(x) ("[4, 8)", "[1K, 2K)") and lhist.
func TestRangesAgreeWithLabels(t *testing.T) {
	h := &Hist{Buckets: make([]uint64, HistBuckets(0))}
	for i, b := range h.Ranges()[:len(h.Buckets)-1] {
		label := string(appendHistRowLabel(nil, i, 0))
		var want string
		switch {
		case i == 0:
			want = "(..., 0)"
		case b.High-b.Low == 1:
			want = "[" + suffixed(b.Low) + "]"
		default:
			want = "[" + suffixed(b.Low) + ", " + suffixed(b.High) + ")"
		}
		if label != want {
			t.Errorf("hist bucket %d: printer says %q, Ranges [%d, %d) says %q", i, label, b.Low, b.High, want)
		}
	}
	l := &Hist{Buckets: make([]uint64, LhistBuckets(0, 100, 10)), Min: 0, Max: 100, Step: 10}
	for i, b := range l.Ranges() {
		label := string(appendLhistRowLabel(nil, l, i))
		var want string
		switch i {
		case 0:
			want = "(..., " + strconv.FormatInt(b.High, 10) + ")"
		case len(l.Buckets) - 1:
			want = "[" + strconv.FormatInt(b.Low, 10) + ", ...)"
		default:
			want = "[" + strconv.FormatInt(b.Low, 10) + ", " + strconv.FormatInt(b.High, 10) + ")"
		}
		if label != want {
			t.Errorf("lhist bucket %d: printer says %q, Ranges says %q", i, label, want)
		}
	}
}

// suffixed writes a power of two as v0.17's hist labels do (1K, 4M, 1024T).
func suffixed(v int64) string {
	for _, s := range []struct {
		shift int
		name  string
	}{{40, "T"}, {30, "G"}, {20, "M"}, {10, "K"}} {
		if v >= 1<<s.shift {
			return strconv.FormatInt(v>>s.shift, 10) + s.name
		}
	}
	return strconv.FormatInt(v, 10)
}

func TestValueAccessors(t *testing.T) {
	cases := []struct {
		v           Value
		i64         int64
		f64         float64
		count       uint64
		sum         int64
		str, keyStr string
	}{
		{Count(7), 7, 7, 7, 0, "7", "7"},
		{Sum(-3, true), -3, -3, 0, -3, "-3", "-3"},
		{Avg(3, 10), 3, 10.0 / 3, 3, 10, "3", "3"},
		{Stats(2, 9), 4, 4.5, 2, 9, "count 2, average 4, total 9", "count 2, average 4, total 9"},
		{Min(-9), -9, -9, 0, 0, "-9", "-9"},
		{HistOf([]uint64{0, 1, 2}, 0), 0, 3, 3, 0, "", ""},
		{Str("bash"), 0, 0, 0, 0, "bash", "bash"},
		{Tuple(Int(1), Str("a")), 0, 0, 0, 0, "(1, a)", "(1, a)"},
	}
	for _, c := range cases {
		if got := c.v.Int64(); got != c.i64 {
			t.Errorf("%v Int64 = %d, want %d", c.v.Kind, got, c.i64)
		}
		if got := c.v.Float64(); got != c.f64 {
			t.Errorf("%v Float64 = %v, want %v", c.v.Kind, got, c.f64)
		}
		if got := c.v.Count(); got != c.count {
			t.Errorf("%v Count = %d, want %d", c.v.Kind, got, c.count)
		}
		if got := c.v.Sum(); got != c.sum {
			t.Errorf("%v Sum = %d, want %d", c.v.Kind, got, c.sum)
		}
		if c.v.Kind == lang.KindHist {
			continue
		}
		if got := c.v.String(); got != c.str {
			t.Errorf("%v String = %q, want %q", c.v.Kind, got, c.str)
		}
		if got := c.v.KeyString(); !strings.HasPrefix(got, c.keyStr) {
			t.Errorf("%v KeyString = %q, want %q", c.v.Kind, got, c.keyStr)
		}
	}
}
