package maps

import (
	"bytes"
	"encoding/binary"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

func TestLayoutTuple(t *testing.T) {
	tt := lang.TupleOf(lang.Uint8, lang.Int64, lang.StrType(3), lang.Int32)
	if got, want := Layout(tt), []int{0, 8, 16, 20}; !reflect.DeepEqual(got, want) {
		t.Fatalf("offsets %v, want %v", got, want)
	}
	if got := SizeOf(tt); got != 24 {
		t.Fatalf("size %d, want 24", got)
	}
}

func TestRoundTrip(t *testing.T) {
	str := lang.StrType(8)
	cases := []struct {
		t *lang.Type
		v output.Value
	}{
		{lang.Int64, output.Int(-5)},
		{lang.Uint64, output.Uint(1 << 63)},
		{lang.IntType(4, true), output.Int(-7)},
		{lang.IntType(2, false), output.Uint(65535)},
		{str, output.Str("hello")},
		{lang.TupleOf(lang.Int64, str, lang.TupleOf(lang.Uint8, lang.Int64)),
			output.Tuple(output.Int(1), output.Str("x"), output.Tuple(output.Value{Kind: lang.KindInt, Int: 2}, output.Int(3)))},
		{&lang.Type{Kind: lang.KindCount}, output.Count(9)},
		{&lang.Type{Kind: lang.KindSum, Signed: true}, output.Sum(-3, true)},
		{&lang.Type{Kind: lang.KindMin}, output.Min(-3)},
		{&lang.Type{Kind: lang.KindAvg}, output.Avg(2, 31)},
		{&lang.Type{Kind: lang.KindStats}, output.Stats(2, 31)},
		{&lang.Type{Kind: lang.KindInet, Size: 24}, output.TextOf(lang.KindInet, "10.1.2.3")},
		{&lang.Type{Kind: lang.KindInet, Size: 24}, output.TextOf(lang.KindInet, "::1")},
		{&lang.Type{Kind: lang.KindHist, Bits: 0}, output.HistOf(make([]uint64, 65), 0)},
		{&lang.Type{Kind: lang.KindLhist, Min: 0, Max: 100, Step: 10}, output.LhistOf(make([]uint64, 12), 0, 100, 10)},
	}
	for _, c := range cases {
		b := Encode(nil, c.t, c.v)
		if len(b) != SizeOf(c.t) {
			t.Errorf("%s: encoded %d bytes, SizeOf %d", c.t, len(b), SizeOf(c.t))
		}
		got := Decode(c.t, b)
		if c.v.Kind == lang.KindInt && c.t.Kind == lang.KindInt {
			c.v.Signed = c.t.Signed
		}
		if !reflect.DeepEqual(got, c.v) {
			t.Errorf("%s: round trip %+v, want %+v", c.t, got, c.v)
		}
	}
}

func TestMergeMinMax(t *testing.T) {
	mt := &lang.Type{Kind: lang.KindMin}
	dst := make([]byte, 16) // unset
	Merge(mt, dst, Encode(nil, mt, output.Min(5)))
	Merge(mt, dst, make([]byte, 16)) // a CPU that never saw the key
	Merge(mt, dst, Encode(nil, mt, output.Min(7)))
	if v := Decode(mt, dst); int64(v.Int) != 5 {
		t.Fatalf("min %d, want 5", int64(v.Int))
	}
}

func TestDefSizes(t *testing.T) {
	d := NewDef("x", lang.StrType(16), 1, &lang.Type{Kind: lang.KindCount}, nil, Options{})
	if d.Type != ebpf.PerCPUHash || d.KeySize != 16 || d.ValueSize != 8 || d.MaxEntries != 4096 {
		t.Fatalf("def %+v", d)
	}
	if c := NewDef("c", nil, 0, &lang.Type{Kind: lang.KindCount}, nil, Options{}); c.Type != ebpf.PerCPUArray || c.KeySize != 4 || c.ValueSize != 8 || c.PresentOffset != 0 {
		t.Fatalf("scalar count def %+v", c)
	}
	hist5 := &lang.Type{Kind: lang.KindHist, Bits: 5}
	// 4096 of them on 64 CPUs take 3.8 GiB: not preallocated.
	h := NewDef("h", lang.Int64, 1, hist5, nil, Options{NumCPU: 64})
	if h.Type != ebpf.PerCPUHash || h.KeySize != 8 || h.ValueSize != 8*1889 || h.Flags != NoPrealloc {
		t.Fatalf("hist def %+v", h)
	}
	// A scalar hist: one array element and its present word.
	s := NewDef("h", nil, 0, hist5, nil, Options{})
	if s.Type != ebpf.PerCPUArray || s.KeySize != 4 || s.MaxEntries != 1 || s.Flags != 0 || s.PresentOffset != 8*1889 || s.ValueSize != 8*1890 {
		t.Fatalf("scalar hist def %+v", s)
	}
	if a := NewDef("a", nil, 0, &lang.Type{Kind: lang.KindStats}, nil, Options{}); a.Type != ebpf.PerCPUArray || a.PresentOffset != 16 || a.ValueSize != 24 {
		t.Fatalf("scalar stats def %+v", a)
	}
	if del := NewDef("h", nil, 0, hist5, nil, Options{Deleted: true}); del.Type != ebpf.PerCPUHash || del.PresentOffset != 0 {
		t.Fatalf("deleted scalar hist def %+v", del)
	}
	if n := NewDef("a_very_long_map_name", nil, 0, lang.Int64, nil, Options{}).KernelName(); len(n) > 15 {
		t.Fatalf("kernel name %q too long", n)
	}
}

// TestReadKernel fills real maps and reads them back: a per-CPU count map
// of 100k keys through batch lookup, and a plain hash.
func TestReadKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create maps")
	}
	const n = 100000
	d := NewDef("c", lang.Uint64, 1, &lang.Type{Kind: lang.KindCount}, nil, Options{MaxEntries: n})
	m, err := ebpf.NewMap(d.MapSpec())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ncpu, _ := ebpf.PossibleCPU()
	keys := make([]uint64, n)
	vals := make([]uint64, n*ncpu)
	for i := range keys {
		keys[i] = uint64(i)
		for c := 0; c < ncpu; c++ {
			vals[i*ncpu+c] = uint64(i + c)
		}
	}
	if _, err := m.BatchUpdate(keys, vals, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := Read(m, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d keys in %v", len(out.Entries), time.Since(start))
	if len(out.Entries) != n {
		t.Fatalf("%d entries, want %d", len(out.Entries), n)
	}
	for _, e := range out.Entries {
		k := e.Key[0].Int
		want := uint64(0)
		for c := 0; c < ncpu; c++ {
			want += k + uint64(c)
		}
		if e.Value.Int != want {
			t.Fatalf("key %d: %d, want %d", k, e.Value.Int, want)
		}
	}

	// A plain hash with tuple keys read by iteration and by batch.
	kt := lang.TupleOf(lang.Int64, lang.StrType(4))
	d2 := NewDef("t", kt, 2, lang.StrType(8), nil, Options{})
	m2, err := ebpf.NewMap(d2.MapSpec())
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	key := Encode(nil, kt, output.Tuple(output.Int(-1), output.Str("ab")))
	key = append(key, make([]byte, int(d2.KeySize)-len(key))...)
	val := make([]byte, 8)
	copy(val, "value")
	if err := m2.Put(key, val); err != nil {
		t.Fatal(err)
	}
	for _, read := range []func(*ebpf.Map, *Def) (*Raw, error){readBatch, readIter} {
		r, err := read(m2, d2)
		if err != nil {
			t.Fatal(err)
		}
		got := (&Decoder{}).Map(d2, r)
		if len(got.Entries) != 1 || got.Entries[0].Key[0].Int != ^uint64(0) || got.Entries[0].Key[1].Str != "ab" || got.Entries[0].Value.Str != "value" {
			t.Fatalf("tuple map %+v", got)
		}
		if !bytes.Equal(r.Key(0), key) {
			t.Fatalf("raw key %x, want %x", r.Key(0), key)
		}
	}
	_ = binary.LittleEndian
}

// A scalar hist in a per-CPU array reads as absent until a CPU's copy has
// its present word set; the copies' buckets are summed.
func TestReadScalarArray(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create maps")
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil || ncpu < 2 {
		t.Skip("needs two CPUs")
	}
	d := NewDef("h", nil, 0, &lang.Type{Kind: lang.KindHist, Bits: 0}, nil, Options{})
	m, err := ebpf.NewMap(d.MapSpec())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if r, err := ReadRaw(m, d); err != nil || r.Len != 0 {
		t.Fatalf("fresh array: %v entries, %v", r, err)
	}
	vals := make([][]byte, ncpu)
	for i := range vals {
		vals[i] = make([]byte, d.ValueSize)
	}
	le.PutUint64(vals[0][8*3:], 2) // CPU 0: buckets only (no present word)
	le.PutUint64(vals[1][8*3:], 5)
	le.PutUint64(vals[1][d.PresentOffset:], 1)
	if err := m.Update(uint32(0), vals, ebpf.UpdateExist); err != nil {
		t.Fatal(err)
	}
	r, err := ReadRaw(m, d)
	if err != nil || r.Len != 1 {
		t.Fatalf("%v entries, %v", r, err)
	}
	if got := le.Uint64(r.Value(0)[8*3:]); got != 7 {
		t.Errorf("bucket 3 = %d, want 7", got)
	}
}
