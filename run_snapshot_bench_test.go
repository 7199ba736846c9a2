package gtrace

import (
	"context"
	"encoding/binary"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// BenchmarkSnapshot100k takes snapshots of a 100k-key count() map (per-CPU
// hash, int keys): quiet, and while a goroutine calls getppid in a loop
// and a probe sends one printf event per call to OnEvent. Under events it
// also reports the events handled per second with no snapshot running
// (events/s-idle, 0.5 s) and while snapshots run back to back
// (events/s-snap), the events the kernel dropped in each phase (the ring
// buffer full), and the longest time between two events handled
// (max-gap-ms): the cost of snapshots on the event path.
func BenchmarkSnapshot100k(b *testing.B) { benchSnapshot(b, 100_000) }

// BenchmarkSnapshot10k is BenchmarkSnapshot100k with a 10k-key map.
func BenchmarkSnapshot10k(b *testing.B) { benchSnapshot(b, 10_000) }

func benchSnapshot(b *testing.B, keys int) {
	needRoot(b)
	src := `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("%d\n", tid); }
interval:s:1000 { @big[nsecs] = count(); }`
	k := probes.NewKernel()
	s, err := Compile(lang.Source{Name: "stdin", Text: src}, Options{Kernel: k, Params: []string{strconv.Itoa(os.Getpid())}})
	if err != nil {
		b.Fatal(err)
	}
	var events atomic.Uint64
	// The longest wait between two events tells whether the event loop
	// ever waits for a snapshot (it would then be about a snapshot long).
	var last, maxGap atomic.Int64
	run, err := s.Start(context.Background(), RunOptions{
		MaxMapKeys: 2 * keys,
		OnEvent: func(e Event) {
			if _, ok := e.(PrintfEvent); ok {
				events.Add(1)
				now := time.Now().UnixNano()
				if prev := last.Swap(now); prev != 0 && now-prev > maxGap.Load() {
					maxGap.Store(now - prev)
				}
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer run.Stop()
	if err := fillCounts(run.r, "big", keys); err != nil {
		b.Fatal(err)
	}

	snapshot := func(b *testing.B) {
		ms, err := run.Snapshot("@big")
		if err != nil {
			b.Fatal(err)
		}
		if len(ms[0].Entries) != keys {
			b.Fatalf("snapshot of %d keys, want %d", len(ms[0].Entries), keys)
		}
	}
	b.Run("quiet", func(b *testing.B) {
		cpu0 := processCPU()
		for b.Loop() {
			snapshot(b)
		}
		// The machine may be shared: CPU time tells the cost apart from
		// the wait for a CPU.
		b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	})
	b.Run("events", func(b *testing.B) {
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for {
				select {
				case <-stop:
					return
				default:
					syscall.Getppid()
				}
			}
		}()
		rate := func(d time.Duration) float64 {
			n0, t0 := events.Load(), time.Now()
			time.Sleep(d)
			return float64(events.Load()-n0) / time.Since(t0).Seconds()
		}
		lost0 := run.Losses().Events
		time.Sleep(50 * time.Millisecond) // the first events came
		maxGap.Store(0)
		idle := rate(500 * time.Millisecond)
		lostIdle, gapIdle := run.Losses().Events-lost0, maxGap.Swap(0)
		n0, t0, lost1 := events.Load(), time.Now(), run.Losses().Events
		for b.Loop() {
			snapshot(b)
		}
		busy := float64(events.Load()-n0) / time.Since(t0).Seconds()
		b.ReportMetric(idle, "events/s-idle")
		b.ReportMetric(float64(lostIdle), "lost-idle")
		b.ReportMetric(float64(gapIdle)/1e6, "max-gap-ms-idle")
		b.ReportMetric(busy, "events/s-snap")
		b.ReportMetric(float64(run.Losses().Events-lost1), "lost-snap")
		b.ReportMetric(float64(maxGap.Load())/1e6, "max-gap-ms-snap")
	})
}

// processCPU is the CPU time the process used so far (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fillCounts writes count() = 1 for keys 0..n-1 into the per-CPU hash
// @name, on CPU 0.
func fillCounts(r *runner, name string, n int) error {
	d, m, err := r.userMap(name)
	if err != nil {
		return err
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return err
	}
	vals := make([][]byte, ncpu)
	for i := range vals {
		vals[i] = make([]byte, m.ValueSize())
	}
	binary.NativeEndian.PutUint64(vals[0], 1)
	if d.PresentOffset > 0 {
		binary.NativeEndian.PutUint64(vals[0][d.PresentOffset:], 1)
	}
	key := make([]byte, m.KeySize())
	for i := range n {
		binary.NativeEndian.PutUint64(key, uint64(i))
		if err := m.Update(key, vals, ebpf.UpdateAny); err != nil {
			return err
		}
	}
	return nil
}
