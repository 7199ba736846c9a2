package maps

import (
	"os"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
)

// BenchmarkRead100k is the kernel and decoding side of printing a map of
// 100k keys at exit (the readout benchmark's @[args->offset] = count()):
// batch lookups of a per-CPU hash sized as BPFTRACE_MAP_KEYS_MAX=200000,
// the per-CPU merge and the decoding into output values.
func BenchmarkRead100k(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create maps")
	}
	const n = 100000
	d := NewDef("c", lang.Int64, 1, &lang.Type{Kind: lang.KindCount}, nil, Options{MaxEntries: 2 * n})
	m, err := ebpf.NewMap(d.MapSpec())
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	ncpu, _ := ebpf.PossibleCPU()
	keys := make([]uint64, n)
	vals := make([]uint64, n*ncpu)
	for i := range keys {
		keys[i] = uint64(i)
		vals[i*ncpu] = 1
	}
	if _, err := m.BatchUpdate(keys, vals, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := ReadRaw(m, d)
		if err != nil || r.Len != n {
			b.Fatalf("%v: %v", r.Len, err)
		}
		(&Decoder{}).Map(d, r)
	}
}
