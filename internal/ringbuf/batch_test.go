package ringbuf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/internal/testkit"
)

// ringTestProducer loads a program that, each time it runs, numbers itself
// (seq, a counter in stats[0]) and writes a record of 8 + (seq&7)*4 bytes
// (seq, then the bytes of ^seq) to ring, except every 16th run, which
// reserves 16 bytes and discards them. Records the ring has no room for are
// counted in stats[1].
func ringTestProducer(t *testing.T, ring *ebpf.Map) (*ebpf.Program, *ebpf.Map) {
	t.Helper()
	stats, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.Array, KeySize: 4, ValueSize: 16, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stats.Close() })
	insns := asm.Instructions{
		asm.StoreImm(asm.RFP, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, stats.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.Mov.Reg(asm.R7, asm.R0),
		asm.LoadMem(asm.R6, asm.R7, 0, asm.DWord), // seq
		asm.Mov.Reg(asm.R8, asm.R6),
		asm.Add.Imm(asm.R8, 1),
		asm.StoreMem(asm.R7, 0, asm.R8, asm.DWord),
		asm.Mov.Reg(asm.R8, asm.R6),
		asm.And.Imm(asm.R8, 15),
		asm.JEq.Imm(asm.R8, 15, "discard"),
		// the record on the stack: seq, then ^seq four times
		asm.StoreMem(asm.RFP, -40, asm.R6, asm.DWord),
		asm.Mov.Reg(asm.R9, asm.R6),
		asm.Xor.Imm(asm.R9, -1),
		asm.StoreMem(asm.RFP, -32, asm.R9, asm.DWord),
		asm.StoreMem(asm.RFP, -24, asm.R9, asm.DWord),
		asm.StoreMem(asm.RFP, -16, asm.R9, asm.DWord),
		asm.StoreMem(asm.RFP, -8, asm.R9, asm.DWord),
		asm.LoadMapPtr(asm.R1, ring.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -40),
		asm.Mov.Reg(asm.R3, asm.R6),
		asm.And.Imm(asm.R3, 7),
		asm.LSh.Imm(asm.R3, 2),
		asm.Add.Imm(asm.R3, 8),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.LoadMem(asm.R8, asm.R7, 8, asm.DWord),
		asm.Add.Imm(asm.R8, 1),
		asm.StoreMem(asm.R7, 8, asm.R8, asm.DWord),
		asm.Ja.Label("exit"),
		asm.LoadMapPtr(asm.R1, ring.FD()).WithSymbol("discard"),
		asm.Mov.Imm(asm.R2, 16),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.Mov.Reg(asm.R1, asm.R0),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufDiscard.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("exit"),
		asm.Return(),
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.SocketFilter, License: "GPL", Instructions: insns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prog.Close() })
	return prog, stats
}

// checkRingRecord checks that rec is the record the producer writes.
func checkRingRecord(t *testing.T, rec []byte) uint64 {
	t.Helper()
	if len(rec) < 8 {
		t.Fatalf("record of %d bytes", len(rec))
	}
	seq := binary.NativeEndian.Uint64(rec)
	if want := 8 + int(seq&7)*4; len(rec) != want {
		t.Fatalf("record %d: %d bytes, want %d", seq, len(rec), want)
	}
	var fill [32]byte
	for i := range 4 {
		binary.NativeEndian.PutUint64(fill[i*8:], ^seq)
	}
	if !bytes.Equal(rec[8:], fill[:len(rec)-8]) {
		t.Fatalf("record %d: payload %x", seq, rec[8:])
	}
	return seq
}

// TestBatches reads records while a program writes 200,000 of
// them (and discards some) into a one-page ring: the ring wraps around,
// fills up, and every record written is read once, in order, intact.
func TestBatches(t *testing.T) {
	testkit.NeedRoot(t)
	ring, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.RingBuf, MaxEntries: uint32(os.Getpagesize())})
	if err != nil {
		t.Skipf("no ring buffer map: %v", err)
	}
	defer ring.Close()
	prog, stats := ringTestProducer(t, ring)
	rd, err := NewReader(ring)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()

	const runs = 200000
	done := make(chan error, 1)
	go func() {
		_, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, ethHLen), Repeat: runs})
		done <- err
		rd.Flush()
	}()
	var read uint64
	var next uint64 // every seq read is at least this
	consume := func() {
		for rd.Begin() {
			for {
				rec, err := rd.Next()
				if err != nil {
					t.Fatal(err)
				}
				if rec == nil {
					break
				}
				seq := checkRingRecord(t, rec)
				if seq < next {
					t.Fatalf("record %d after %d", seq, next-1)
				}
				next = seq + 1
				read++
			}
		}
	}
	producing := true
	for producing {
		consume()
		err := rd.Wait(time.Now().Add(time.Second))
		switch {
		case errors.Is(err, ErrFlushed):
			if err := <-done; err != nil {
				t.Fatalf("running the producer: %v", err)
			}
			producing = false
		case errors.Is(err, os.ErrDeadlineExceeded):
			t.Fatal("no record and no wake-up for a second while the producer runs")
		case err != nil:
			t.Fatal(err)
		}
	}
	consume()
	if !rd.Empty() {
		t.Fatal("ring not empty after the last batch")
	}
	var counts [2]uint64
	if err := stats.Lookup(uint32(0), &counts); err != nil {
		t.Fatal(err)
	}
	discarded := uint64(runs / 16)
	if counts[0] != runs || read+counts[1]+discarded != runs {
		t.Fatalf("runs %d: read %d + no room %d + discarded %d = %d, want %d",
			counts[0], read, counts[1], discarded, read+counts[1]+discarded, runs)
	}
	t.Logf("read %d records, %d found no room", read, counts[1])
}

// TestBatchWait: Wait returns ErrFlushed for a Flush (before or during
// the wait, also from another goroutine), os.ErrDeadlineExceeded at the
// deadline, nil once a record is there, os.ErrClosed after Close.
func TestBatchWait(t *testing.T) {
	testkit.NeedRoot(t)
	ring, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.RingBuf, MaxEntries: uint32(os.Getpagesize())})
	if err != nil {
		t.Skipf("no ring buffer map: %v", err)
	}
	defer ring.Close()
	prog, _ := ringTestProducer(t, ring)
	rd, err := NewReader(ring)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Wait(time.Now().Add(20 * time.Millisecond)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("empty ring, deadline: %v", err)
	}
	rd.Flush()
	if err := rd.Wait(time.Time{}); !errors.Is(err, ErrFlushed) {
		t.Fatalf("woken before: %v", err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		rd.Flush()
	}()
	if err := rd.Wait(time.Time{}); !errors.Is(err, ErrFlushed) {
		t.Fatalf("woken during: %v", err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		prog.Run(&ebpf.RunOptions{Data: make([]byte, ethHLen)})
	}()
	if err := rd.Wait(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatalf("a record: %v", err)
	}
	if !rd.Begin() {
		t.Fatal("wait returned nil but the batch is empty")
	}
	rec, err := rd.Next()
	if err != nil || rec == nil {
		t.Fatalf("next: %v %v", rec, err)
	}
	if seq := checkRingRecord(t, rec); seq != 0 {
		t.Fatalf("first record has seq %d", seq)
	}
	if rec, err := rd.Next(); rec != nil || err != nil {
		t.Fatalf("second record in a batch of one: %v %v", rec, err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rd.Flush(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Flush after Close: %v", err)
	}
	if rd.Begin() {
		t.Fatal("Begin after Close found records")
	}
	if err := rd.Wait(time.Time{}); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Wait after Close: %v", err)
	}
}
