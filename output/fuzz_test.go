package output

import (
	"bytes"
	"io"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

func FuzzFormat(f *testing.F) {
	for _, s := range []string{
		"[%-8s|%8s|%5d|%-5d|%05d|%x|%X|%o|%lu|%llx|%c]\n", "%r %rx %rh %10r", "100%%", "%", "%%%",
		"%hhd %hd %ld %lld %jd %zd %td %p %.0d %#o", "%-+ 0#123.456d", "%.99999999999s", "%l", "%hh",
	} {
		f.Add(s, int64(-1), "str", 3)
	}
	f.Fuzz(func(t *testing.T, format string, n int64, s string, nargs int) {
		if nargs < 0 {
			nargs = -nargs
		}
		pool := []Value{Int(n), Str(s), Buffer([]byte(s)), Uint(uint64(n)), Ptr(uint64(n)),
			Tuple(Int(n), Str(s)), Ksym(s, uint64(n)), KStack(StackPerf, Frame{Addr: uint64(n), Sym: s})}
		args := make([]Value, nargs%12)
		for i := range args {
			args[i] = pool[(i+int(uint64(n)%8))%len(pool)]
		}
		out := AppendFormat(nil, format, args)
		// A format without conversions prints verbatim.
		if len(args) == 0 && string(out) != format {
			t.Fatalf("no-arg printf(%q) = %q", format, out)
		}
	})
}

func FuzzHist(f *testing.F) {
	f.Add(int64(0), uint8(0), uint64(1))
	f.Add(int64(-1), uint8(3), uint64(1<<40))
	f.Add(int64(1<<62), uint8(5), uint64(7))
	f.Add(int64(9223372036854775807), uint8(1), uint64(0))
	f.Fuzz(func(t *testing.T, v int64, kb uint8, count uint64) {
		k := int(kb % 6)
		i := HistIndex(v, k)
		if i < 0 || i >= HistBuckets(k) {
			t.Fatalf("HistIndex(%d, %d) = %d out of [0, %d)", v, k, i, HistBuckets(k))
		}
		if i > 0 && (uint64(v) < histBound(i, k) || (i+1 < HistBuckets(k) && uint64(v) >= histBound(i+1, k))) {
			t.Fatalf("value %d not in bucket %d [%d, %d) of k=%d", v, i, histBound(i, k), histBound(i+1, k), k)
		}
		b := make([]uint64, HistBuckets(k))
		b[i] = count
		b[len(b)-1]++
		h := HistOf(b, k)
		m := &Map{Name: "@h", Kind: lang.KindHist, Scalar: true, Entries: []Entry{{Value: h}}}
		var buf bytes.Buffer
		must(t, NewText(&buf).Map(m, 0, uint64(kb)))
		if !bytes.HasPrefix(buf.Bytes(), []byte("@h: \n")) {
			t.Fatalf("bad header: %q", buf.String())
		}
		must(t, NewJSON(io.Discard).Map(m, 0, 0))

		// lhist with arbitrary but valid parameters.
		step := int64(kb%50) + 1
		lo := int64(count % 1000)
		hi := lo + step*int64(kb%20+1)
		li := LhistIndex(v, lo, hi, step)
		if li < 0 || li >= LhistBuckets(lo, hi, step) {
			t.Fatalf("LhistIndex(%d, %d, %d, %d) = %d", v, lo, hi, step, li)
		}
		lb := make([]uint64, LhistBuckets(lo, hi, step))
		lb[li] = count
		lm := &Map{Name: "@l", Kind: lang.KindLhist, Scalar: true, Entries: []Entry{{Value: LhistOf(lb, lo, hi, step)}}}
		must(t, NewText(io.Discard).Map(lm, 0, 0))
		must(t, NewJSON(io.Discard).Map(lm, 0, 0))
	})
}
