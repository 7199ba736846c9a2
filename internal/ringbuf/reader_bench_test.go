package ringbuf

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	ciliumringbuf "github.com/cilium/ebpf/ringbuf"
)

// BenchmarkDrain is the consumer's cost per record, without the scheduler
// noise of a live flood: a 1 MiB ring is filled with 24-byte records (a
// printf of two small arguments) by one repeated test run, then read
// empty; only the reads are timed (ns/record). Against cilium/ebpf's
// reader, which this one replaces.
func BenchmarkDrain(b *testing.B) {
	const size, recSize = 1 << 20, 24
	f := newFixture(b, size, recSize)
	fill := func() {
		if _, err := f.output[recSize].Run(&ebpf.RunOptions{Data: frame(1), Repeat: size / (hdrSize + recSize)}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("gtrace", func(b *testing.B) {
		rd, err := NewReader(f.ring)
		if err != nil {
			b.Fatal(err)
		}
		defer rd.Close()
		rd.SetDeadline(time.Unix(1, 0)) // past: never wait
		var rec Record
		benchDrain(b, fill, func() bool {
			err := rd.ReadInto(&rec)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				b.Fatal(err)
			}
			return err == nil
		})
	})
	b.Run("cilium", func(b *testing.B) {
		rd, err := ciliumringbuf.NewReader(f.ring)
		if err != nil {
			b.Fatal(err)
		}
		defer rd.Close()
		rd.SetDeadline(time.Unix(1, 0))
		var rec ciliumringbuf.Record
		benchDrain(b, fill, func() bool {
			err := rd.ReadInto(&rec)
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				b.Fatal(err)
			}
			return err == nil
		})
	})
}

// benchDrain fills the ring and reads it empty b.N times, timing the reads.
func benchDrain(b *testing.B, fill func(), read func() bool) {
	var records int
	var spent time.Duration
	for range b.N {
		fill()
		t0 := time.Now()
		for read() {
			records++
		}
		spent += time.Since(t0)
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(max(records, 1)), "ns/record")
	b.ReportMetric(float64(records)/float64(b.N), "records/op")
}
