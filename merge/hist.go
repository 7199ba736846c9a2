package merge

import (
	"errors"
	"fmt"
	"math"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// bucket is one bucket object of a JSON hist: {"min": lo, "max": hi,
// "count": n}. The negative bucket of hist and lhist's underflow have no
// min; lhist's overflow has no max.
type bucket struct {
	lo, hi       int64
	hasLo, hasHi bool
	count        uint64
}

func parseBuckets(v any) ([]bucket, error) {
	list, _ := v.([]any)
	out := make([]bucket, 0, len(list))
	for _, item := range list {
		o, ok := item.(map[string]any)
		if !ok {
			return nil, errors.New("a hist bucket is not an object")
		}
		var b bucket
		var err error
		if b.count, err = number(o["count"]); err != nil {
			return nil, errors.New("a hist bucket without an integer count")
		}
		if x, ok := o["min"]; ok {
			n, err := number(x)
			if err != nil {
				return nil, err
			}
			b.lo, b.hasLo = int64(n), true
		}
		if x, ok := o["max"]; ok {
			n, err := number(x)
			if err != nil {
				return nil, err
			}
			b.hi, b.hasHi = int64(n), true
		}
		if !b.hasLo && !b.hasHi {
			return nil, errors.New("a hist bucket with neither min nor max")
		}
		out = append(out, b)
	}
	return out, nil
}

// histCombiner adds hist or lhist buckets once every input's buckets have
// been placed in one layout.
type histCombiner struct {
	lin            bool
	bits           int
	min, max, step int64
}

func (c *histCombiner) kind() lang.Kind {
	if c.lin {
		return lang.KindLhist
	}
	return lang.KindHist
}

// newHistCombiner finds the one layout all inputs' buckets fit: the
// script's, or else hist(x) if they fit it, then lhist with one step, then
// hist(x, k) for k = 1..5. bpftrace's JSON prints only the used bucket
// range, so the layout is read from the bounds of the buckets present.
func newHistCombiner(slots []*slot, hint Hint) (*histCombiner, error) {
	c := &histCombiner{}
	var all []bucket
	for _, s := range slots {
		for i, v := range s.values {
			bs, err := parseBuckets(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", s.files[i], err)
			}
			all = append(all, bs...)
		}
	}
	switch hint.Kind {
	case lang.KindHist:
		if !fitsHist(all, hint.Bits) {
			return nil, fmt.Errorf("the buckets are not those of hist(x, %d) in every input", hint.Bits)
		}
		c.bits = hint.Bits
		return c, nil
	case lang.KindLhist:
		c.lin = true
		return c, c.fitLhist(all, hint)
	}
	if fitsHist(all, 0) {
		return c, nil
	}
	c.lin = true
	lerr := c.fitLhist(all, hint)
	if lerr == nil {
		return c, nil
	}
	c.lin = false
	for k := 1; k <= 5; k++ {
		if fitsHist(all, k) {
			c.bits = k
			return c, nil
		}
	}
	return nil, fmt.Errorf("the inputs' buckets fit no one hist() or lhist() layout (%v)", lerr)
}

// fitsHist reports whether every bucket is a bucket of hist(x, k): the
// negative bucket, or [lo, hi] with lo and hi in one bucket and their
// neighbours outside it.
func fitsHist(all []bucket, k int) bool {
	for _, b := range all {
		switch {
		case !b.hasLo:
			if b.hi != -1 {
				return false
			}
		case !b.hasHi || b.lo < 0 || b.hi < b.lo:
			return false
		default:
			i := output.HistIndex(b.lo, k)
			if output.HistIndex(b.hi, k) != i || output.HistIndex(b.lo-1, k) == i {
				return false
			}
			if b.hi < math.MaxInt64 && output.HistIndex(b.hi+1, k) == i {
				return false
			}
		}
	}
	return true
}

// fitLhist finds min, max and step of lhist(x, min, max, step) from the
// buckets: step from the width of a bounded bucket, min from the
// underflow bucket ("max": min-1), max from the overflow ("min": max);
// without them, the outermost bounded buckets stand for the range.
func (c *histCombiner) fitLhist(all []bucket, hint Hint) error {
	var lo, hi, step int64
	haveLo, haveHi := false, false
	if hint.HasLhistRange {
		lo, hi, step, haveLo, haveHi = hint.Lhist[0], hint.Lhist[1], hint.Lhist[2], true, true
	}
	setLo := func(v int64) error {
		if haveLo && v != lo {
			return fmt.Errorf("lhist minimums differ: %d and %d", lo, v)
		}
		lo, haveLo = v, true
		return nil
	}
	setHi := func(v int64) error {
		if haveHi && v != hi {
			return fmt.Errorf("lhist maximums differ: %d and %d", hi, v)
		}
		hi, haveHi = v, true
		return nil
	}
	for _, b := range all {
		var err error
		switch {
		case !b.hasLo:
			err = setLo(b.hi + 1)
		case !b.hasHi:
			err = setHi(b.lo)
		default:
			w := b.hi - b.lo + 1
			if step != 0 && w != step {
				return fmt.Errorf("lhist steps differ: %d and %d", step, w)
			}
			step = w
		}
		if err != nil {
			return err
		}
	}
	var lowest, highest int64 = math.MaxInt64, math.MinInt64
	for _, b := range all {
		if b.hasLo && b.hasHi {
			lowest, highest = min(lowest, b.lo), max(highest, b.hi+1)
		}
	}
	if step == 0 {
		if haveLo && haveHi && hi > lo {
			return errors.New("only the underflow and overflow buckets are used, so the lhist step is unknown: pass the script with --script")
		}
		step = 1
	}
	if !haveLo {
		lo = lowest
		if lowest == math.MaxInt64 {
			lo = hi - step
		}
	}
	if !haveHi {
		hi = highest
		if highest == math.MinInt64 {
			hi = lo + step
		}
	}
	if hi <= lo || (hi-lo)%step != 0 {
		return fmt.Errorf("no lhist range fits: min %d, max %d, step %d", lo, hi, step)
	}
	for _, b := range all {
		if b.hasLo && b.hasHi && (b.lo < lo || b.hi >= hi || (b.lo-lo)%step != 0) {
			return fmt.Errorf("the bucket [%d, %d] is not one of lhist(x, %d, %d, %d)", b.lo, b.hi, lo, hi, step)
		}
	}
	c.min, c.max, c.step = lo, hi, step
	return nil
}

// index returns the bucket of b in the layout.
func (c *histCombiner) index(b bucket) int {
	if !c.lin {
		if !b.hasLo {
			return 0
		}
		return output.HistIndex(b.lo, c.bits)
	}
	switch {
	case !b.hasLo:
		return 0
	case !b.hasHi:
		return output.LhistBuckets(c.min, c.max, c.step) - 1
	}
	return int((b.lo-c.min)/c.step) + 1
}

// combine adds the buckets each input had for the key, in the layout.
func (c *histCombiner) combine(s *slot) (output.Value, error) {
	var counts []uint64
	if c.lin {
		counts = make([]uint64, output.LhistBuckets(c.min, c.max, c.step))
	} else {
		counts = make([]uint64, output.HistBuckets(c.bits))
	}
	for i, v := range s.values {
		bs, err := parseBuckets(v)
		if err != nil {
			return output.Value{}, fmt.Errorf("%s: %v", s.files[i], err)
		}
		for _, b := range bs {
			counts[c.index(b)] += b.count
		}
	}
	if c.lin {
		return output.LhistOf(counts, c.min, c.max, c.step), nil
	}
	return output.HistOf(counts, c.bits), nil
}
