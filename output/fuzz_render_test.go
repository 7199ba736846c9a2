package output

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// FuzzHistBuckets renders arbitrary bucket arrays as hist(x, k) and
// lhist(x, min, max, step) values, the way the runtime hands them over
// (one count per bucket of the declared layout), in text and JSON. The
// text must account for every count (trimming drops only empty buckets),
// draw every bar in the same frame, and the JSON must parse.
func FuzzHistBuckets(f *testing.F) {
	f.Add([]byte{1, 0, 3, 0, 0, 255}, uint8(0), int64(0), int64(100), int64(10), false)
	f.Add([]byte{0, 0, 7}, uint8(3), int64(-50), int64(50), int64(7), true)
	f.Add([]byte{255, 255, 255, 255}, uint8(5), int64(1<<20), int64(1<<21), int64(1<<10), true)
	f.Add([]byte{}, uint8(1), int64(0), int64(0), int64(0), false)
	f.Fuzz(func(t *testing.T, raw []byte, kb uint8, lo, hi, step int64, lhist bool) {
		var v Value
		var n int
		if lhist {
			// Valid parameters, as the checker guarantees: step > 0,
			// max > min, at most a thousand buckets.
			step = int64(uint64(step)%(1<<20)) + 1
			lo = int64(uint64(lo)%(1<<40)) - 1<<39
			hi = lo + step*int64(uint64(hi)%1000+1)
			n = LhistBuckets(lo, hi, step)
		} else {
			n = HistBuckets(int(kb % 6))
		}
		buckets := make([]uint64, n)
		var total uint64
		for i := range buckets {
			if len(raw) > 0 {
				b := raw[i%len(raw)]
				buckets[i] = uint64(b) << (b % 40)
				total += buckets[i]
			}
		}
		if lhist {
			v = LhistOf(buckets, lo, hi, step)
		} else {
			v = HistOf(buckets, int(kb%6))
		}
		m := &Map{Name: "@h", Kind: v.Kind, Scalar: true, Entries: []Entry{{Value: v}}}
		var text bytes.Buffer
		must(t, NewText(&text).Map(m, 0, 0))
		var sum uint64
		frame := -1
		for _, line := range strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")[1:] {
			bar := strings.IndexByte(line, '|')
			if bar < 0 || !strings.HasSuffix(line, "|") {
				if line == "" {
					continue
				}
				t.Fatalf("not a bucket line: %q in\n%s", line, text.String())
			}
			if frame >= 0 && len(line)-bar != frame {
				t.Fatalf("bar frame %d wide, earlier %d: %q", len(line)-bar, frame, line)
			}
			frame = len(line) - bar
			// The label is padded to 16 and the count to 8, as bpftrace
			// does, so a long label and a long count touch: the count is
			// the digits after the label's closing bracket.
			head := strings.TrimRight(line[:bar], " ")
			digits := strings.TrimLeft(head[strings.LastIndexAny(head, ")]")+1:], " ")
			c, err := strconv.ParseUint(digits, 10, 64)
			if err != nil {
				t.Fatalf("count in %q: %v", line, err)
			}
			sum += c
		}
		if sum != total {
			t.Fatalf("text shows %d in all, buckets hold %d:\n%s", sum, total, text.String())
		}
		var js bytes.Buffer
		must(t, NewJSON(&js).Map(m, 0, 0))
		for _, line := range strings.Split(strings.TrimSpace(js.String()), "\n") {
			if !json.Valid([]byte(line)) {
				t.Fatalf("invalid JSON line %q", line)
			}
		}
	})
}

// FuzzPrintf formats arbitrary format strings and arguments through the
// writers the runtime calls for printf records: the text writer prints
// exactly what AppendFormat makes, and the JSON writer one valid line.
func FuzzPrintf(f *testing.F) {
	f.Add("%s=%d %x|%-5s|%08.3d\n", "k\x00\xff\"\\", int64(-42), uint8(3))
	f.Add("%r %c %p %%", "", int64(1<<62), uint8(4))
	f.Add("\\n%", "\n", int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, format, s string, n int64, nargs uint8) {
		pool := []Value{Str(s), Int(n), Uint(uint64(n)), Buffer([]byte(s)), Ptr(uint64(n)), Tuple(Str(s), Int(n))}
		args := make([]Value, nargs%8)
		for i := range args {
			args[i] = pool[i%len(pool)]
		}
		var text bytes.Buffer
		must(t, NewText(&text).Printf(format, args))
		if want := AppendFormat(nil, format, args); !bytes.Equal(text.Bytes(), want) {
			t.Fatalf("text %q, AppendFormat %q", text.Bytes(), want)
		}
		var js bytes.Buffer
		must(t, NewJSON(&js).Printf(format, args))
		if line := bytes.TrimSuffix(js.Bytes(), []byte("\n")); !json.Valid(line) || bytes.Contains(line, []byte("\n")) {
			t.Fatalf("JSON %q", js.Bytes())
		}
	})
}
