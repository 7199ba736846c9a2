package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

// runCount runs @[comm] = count() until ctx ends, then prints the map.
func runCount(ctx context.Context, out *bufio.Writer) error {
	counts, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "counts", Type: ebpf.PerCPUHash, KeySize: commKey, ValueSize: 8, MaxEntries: maxKeys,
	})
	if err != nil {
		return fmt.Errorf("creating the map: %w", err)
	}
	p, err := load("count", countInsns(counts), counts)
	if err != nil {
		return err
	}
	defer p.Close()
	l, err := attach(out, p)
	if err != nil {
		return err
	}
	<-ctx.Done()
	l.Close()
	type entry struct {
		key []byte
		n   uint64
	}
	var entries []entry
	var key [commKey]byte
	var perCPU []uint64
	it := counts.Iterate()
	for it.Next(&key, &perCPU) {
		var n uint64
		for _, v := range perCPU {
			n += v
		}
		k, _, _ := bytes.Cut(key[:], []byte{0})
		entries = append(entries, entry{append([]byte(nil), k...), n})
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("reading the map: %w", err)
	}
	// bpftrace: by value, smallest first.
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].n < entries[j].n })
	out.WriteString("\n\n")
	for _, e := range entries {
		fmt.Fprintf(out, "@[%s]: %d\n", e.key, e.n)
	}
	return nil
}

// runHist runs @ns = hist(nsecs & 0xfffff) until ctx ends, then prints
// the histogram.
func runHist(ctx context.Context, out *bufio.Writer) error {
	hist, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "hist", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8 * histBuckets, MaxEntries: 1,
	})
	if err != nil {
		return fmt.Errorf("creating the map: %w", err)
	}
	p, err := load("hist", histInsns(hist), hist)
	if err != nil {
		return err
	}
	defer p.Close()
	l, err := attach(out, p)
	if err != nil {
		return err
	}
	<-ctx.Done()
	l.Close()
	var perCPU [][]byte
	if err := hist.Lookup(uint32(0), &perCPU); err != nil {
		return fmt.Errorf("reading the map: %w", err)
	}
	var buckets [histBuckets]uint64
	for _, v := range perCPU {
		for i := range buckets {
			buckets[i] += binary.NativeEndian.Uint64(v[8*i:])
		}
	}
	out.WriteString("\n\n")
	writeHist(out, "@ns", buckets[:])
	return nil
}

// ringBytes is the ring buffer's size: gtrace's default.
const ringBytes = 1 << 20

// runPrintf runs printf("ev %d %s\n", pid, comm): it formats each record
// as it comes, writes in one go whenever the ring runs empty, and at the
// end reports the records the ring had no room for.
func runPrintf(ctx context.Context, out *bufio.Writer) error {
	events, err := ebpf.NewMap(&ebpf.MapSpec{Name: "events", Type: ebpf.RingBuf, MaxEntries: ringBytes})
	if err != nil {
		return fmt.Errorf("creating the ring buffer: %w", err)
	}
	lost, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "lost", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1,
	})
	if err != nil {
		events.Close()
		return fmt.Errorf("creating the lost counter: %w", err)
	}
	p, err := load("printf", printfInsns(events, lost), events, lost)
	if err != nil {
		return err
	}
	defer p.Close()
	rd, err := ringbuf.NewReader(events)
	if err != nil {
		return fmt.Errorf("reading the ring buffer: %w", err)
	}
	defer rd.Close()
	l, err := attach(out, p)
	if err != nil {
		return err
	}
	var stopping atomic.Bool
	go func() {
		<-ctx.Done()
		stopping.Store(true)
		rd.Flush()
	}()
	var rec ringbuf.Record
	line := make([]byte, 0, 64)
	for {
		err := rd.ReadInto(&rec)
		switch {
		case err == nil:
			s := rec.RawSample
			comm, _, _ := bytes.Cut(s[16:printfRecord], []byte{0})
			line = append(line[:0], "ev "...)
			line = strconv.AppendInt(line, int64(binary.NativeEndian.Uint64(s[8:])), 10)
			line = append(line, ' ')
			line = append(line, comm...)
			line = append(line, '\n')
			out.Write(line)
			if rec.Remaining == 0 {
				if err := out.Flush(); err != nil {
					return err
				}
			}
			continue
		case errors.Is(err, ringbuf.ErrFlushed):
			if err := out.Flush(); err != nil {
				return err
			}
			if !stopping.Load() {
				continue
			}
		case errors.Is(err, os.ErrDeadlineExceeded):
		default:
			return fmt.Errorf("reading the ring buffer: %w", err)
		}
		if l != nil {
			// Stopping: detach, then drain what the ring still holds.
			l.Close()
			l = nil
			rd.SetDeadline(time.Now())
			continue
		}
		break
	}
	var perCPU []uint64
	if err := lost.Lookup(uint32(0), &perCPU); err != nil {
		return fmt.Errorf("reading the lost counter: %w", err)
	}
	var n uint64
	for _, v := range perCPU {
		n += v
	}
	if n > 0 {
		fmt.Fprintf(out, "Lost %d events\n", n)
	}
	return nil
}
