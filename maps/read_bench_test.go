package maps

import (
	"bufio"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// BenchmarkRead100k is the kernel and decoding side of printing a map of
// 100k keys at exit (the readout benchmark's @[args->offset] = count()):
// batch lookups of a per-CPU hash sized as BPFTRACE_MAP_KEYS_MAX=200000,
// the per-CPU merge and the decoding into output values.
func BenchmarkRead100k(b *testing.B) {
	const n = 100000
	m, d := countMapOf(b, n)
	defer m.Close()
	b.ReportAllocs()
	for b.Loop() {
		r, err := ReadRaw(m, d)
		if err != nil || r.Len != n {
			b.Fatalf("%v: %v", r.Len, err)
		}
		(&Decoder{}).Map(d, r)
	}
}

// countMapOf creates the readout benchmark's map: a per-CPU hash of
// count()s sized 2n, keys 0..n-1 counted once.
func countMapOf(b *testing.B, n int) (*ebpf.Map, *Def) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create maps")
	}
	d := NewDef("c", lang.Int64, 1, &lang.Type{Kind: lang.KindCount}, nil, Options{MaxEntries: uint32(2 * n)})
	m, err := ebpf.NewMap(d.MapSpec())
	if err != nil {
		b.Fatal(err)
	}
	ncpu, _ := ebpf.PossibleCPU()
	keys := make([]uint64, n)
	vals := make([]uint64, n*ncpu)
	for i := range keys {
		keys[i] = uint64(i)
		vals[i*ncpu] = 1
	}
	if _, err := m.BatchUpdate(keys, vals, nil); err != nil {
		m.Close()
		b.Fatal(err)
	}
	return m, d
}

// BenchmarkReadPrint100k and BenchmarkReadPrint1M are the whole readout
// at exit of @[args->offset] = count(): the map read, decoded and printed
// as text, lazily (as the runner does for the text renderer) or decoded
// in full first. peak-rss-MB is how far the process's peak RSS rose above
// its RSS before the readouts (VmHWM, reset through clear_refs).
func BenchmarkReadPrint100k(b *testing.B) { benchReadPrint(b, 100000) }

func BenchmarkReadPrint1M(b *testing.B) { benchReadPrint(b, 1000000) }

func benchReadPrint(b *testing.B, n int) {
	m, d := countMapOf(b, n)
	defer m.Close()
	for _, lazy := range []bool{true, false} {
		name := "decoded"
		if lazy {
			name = "lazy"
		}
		b.Run(name, func(b *testing.B) {
			w := bufio.NewWriterSize(io.Discard, 64<<10)
			t := output.NewText(w)
			debug.FreeOSMemory()
			if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
				b.Fatal(err)
			}
			rss0 := procStatusMB(b, "VmRSS:")
			b.ReportAllocs()
			for b.Loop() {
				r, err := ReadRaw(m, d)
				if err != nil || r.Len != n {
					b.Fatalf("%v: %v", r.Len, err)
				}
				om := (&Decoder{}).Lazy(d, r)
				if !lazy {
					om.Decode()
				}
				if err := t.Map(om, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(procStatusMB(b, "VmHWM:")-rss0, "peak-rss-MB")
		})
	}
}

// procStatusMB reads a kB figure of /proc/self/status in MiB.
func procStatusMB(b *testing.B, field string) float64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
