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

// A real ring and real programs: each test run of an output program
// writes the first n bytes of the packet it is given as one record; the
// discard program reserves a record and discards it.
type fixture struct {
	ring    *ebpf.Map
	output  map[int]*ebpf.Program
	discard *ebpf.Program
}

func newFixture(t testing.TB, size int, sizes ...int) *fixture {
	t.Helper()
	testkit.NeedRoot(t)
	m, err := ebpf.NewMap(&ebpf.MapSpec{Type: ebpf.RingBuf, MaxEntries: uint32(size)})
	if err != nil {
		t.Skipf("no ring buffer map here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	f := &fixture{ring: m, output: map[int]*ebpf.Program{}}
	load := func(insns asm.Instructions) *ebpf.Program {
		p, err := ebpf.NewProgram(&ebpf.ProgramSpec{Type: ebpf.SocketFilter, License: "GPL", Instructions: insns})
		if err != nil {
			t.Fatalf("loading a test program: %v", err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	for _, n := range sizes {
		f.output[n] = load(asm.Instructions{
			asm.Mov.Reg(asm.R6, asm.R1),
			asm.Mov.Reg(asm.R1, asm.R6),
			asm.Mov.Imm(asm.R2, 0),
			asm.Mov.Reg(asm.R3, asm.RFP),
			asm.Add.Imm(asm.R3, -64),
			asm.Mov.Imm(asm.R4, int32(n)),
			asm.FnSkbLoadBytes.Call(),
			asm.JNE.Imm(asm.R0, 0, "out"),
			asm.LoadMapPtr(asm.R1, m.FD()),
			asm.Mov.Reg(asm.R2, asm.RFP),
			asm.Add.Imm(asm.R2, -64),
			asm.Mov.Imm(asm.R3, int32(n)),
			asm.Mov.Imm(asm.R4, 0),
			asm.FnRingbufOutput.Call(),
			asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
			asm.Return(),
		})
	}
	f.discard = load(asm.Instructions{
		asm.LoadMapPtr(asm.R1, m.FD()),
		asm.Mov.Imm(asm.R2, 16),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R1, asm.R0),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufDiscard.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	})
	return f
}

// ethHLen is the Ethernet header a socket filter's test run pulls off the
// packet: skb_load_bytes at offset 0 reads from here.
const ethHLen = 14

// packet is what a record of seq holds, and frame the packet that makes
// it: the sequence number, then bytes that depend on it.
func packet(seq uint64) []byte {
	p := make([]byte, 64)
	binary.LittleEndian.PutUint64(p, seq)
	for i := 8; i < len(p); i++ {
		p[i] = byte(seq*7 + uint64(i))
	}
	return p
}

func frame(seq uint64) []byte { return append(make([]byte, ethHLen), packet(seq)...) }

func run(t testing.TB, p *ebpf.Program, data []byte) {
	t.Helper()
	if _, err := p.Run(&ebpf.RunOptions{Data: data}); err != nil {
		t.Fatalf("test run: %v", err)
	}
}

// TestRecordsWrapAround writes records of several sizes, with discarded
// ones between them, through a one-page ring many times over: every record
// reads back byte for byte, including those that wrap around the end of
// the (once-mapped) data area.
func TestRecordsWrapAround(t *testing.T) {
	const size = 4096
	sizes := []int{8, 20, 40, 56}
	f := newFixture(t, size, sizes...)
	rd, err := NewReader(f.ring)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if got, want := len(rd.ring.prod), os.Getpagesize()+size; got != want {
		t.Fatalf("data mapping is %d bytes, want the producer page and one copy of the data (%d)", got, want)
	}
	rd.SetDeadline(time.Now())
	var rec Record
	wrapped := 0
	for seq := uint64(0); seq < 3000; seq++ {
		n := sizes[seq%uint64(len(sizes))]
		if seq%5 == 0 {
			run(t, f.discard, frame(seq))
		}
		want := packet(seq)[:n]
		run(t, f.output[n], frame(seq))
		start := *rd.ring.consPos & rd.ring.mask
		if err := rd.ReadInto(&rec); err != nil {
			t.Fatalf("record %d: %v", seq, err)
		}
		if !bytes.Equal(rec.RawSample, want) {
			t.Fatalf("record %d (%d bytes) = %x, want %x", seq, n, rec.RawSample, want)
		}
		if rec.Remaining != 0 {
			t.Fatalf("record %d: Remaining = %d, want 0", seq, rec.Remaining)
		}
		// The discarded record (if any) came first, 24 bytes.
		if seq%5 == 0 {
			start = (start + 24) & rd.ring.mask
		}
		if start+hdrSize < size && start+hdrSize+uint64(n) > size {
			wrapped++
		}
		if err := rd.ReadInto(&rec); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("after record %d: %v, want the deadline (empty ring)", seq, err)
		}
	}
	if wrapped == 0 {
		t.Fatal("no record wrapped around the end of the ring")
	}
	t.Logf("%d records wrapped", wrapped)
}

// TestBacklog reads records that piled up: Remaining counts down to 0.
func TestBacklog(t *testing.T) {
	f := newFixture(t, 4096, 24)
	rd, err := NewReader(f.ring)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for seq := uint64(0); seq < 10; seq++ {
		run(t, f.output[24], frame(seq))
	}
	rd.SetDeadline(time.Now())
	var rec Record
	for seq := uint64(0); seq < 10; seq++ {
		if err := rd.ReadInto(&rec); err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint64(rec.RawSample); got != seq {
			t.Fatalf("record %d has sequence %d", seq, got)
		}
		if want := int(9-seq) * 32; rec.Remaining != want {
			t.Fatalf("record %d: Remaining = %d, want %d", seq, rec.Remaining, want)
		}
	}
}

// TestFlushAndClose: Flush wakes a waiting reader with ErrFlushed after
// what the ring holds, and Close wakes it with os.ErrClosed.
func TestFlushAndClose(t *testing.T) {
	f := newFixture(t, 4096, 8)
	rd, err := NewReader(f.ring)
	if err != nil {
		t.Fatal(err)
	}
	run(t, f.output[8], frame(1))
	if err := rd.Flush(); err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := rd.ReadInto(&rec); err != nil || binary.LittleEndian.Uint64(rec.RawSample) != 1 {
		t.Fatalf("first read: %v %x, want the record", err, rec.RawSample)
	}
	if err := rd.ReadInto(&rec); !errors.Is(err, ErrFlushed) {
		t.Fatalf("second read: %v, want ErrFlushed", err)
	}
	// A Flush from another goroutine wakes a reader blocked without deadline.
	go func() {
		time.Sleep(20 * time.Millisecond)
		rd.Flush()
	}()
	if err := rd.ReadInto(&rec); !errors.Is(err, ErrFlushed) {
		t.Fatalf("blocked read: %v, want ErrFlushed", err)
	}
	done := make(chan error, 1)
	go func() { done <- rd.ReadInto(&rec) }()
	time.Sleep(20 * time.Millisecond)
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("read during Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake the reader")
	}
	if err := rd.ReadInto(&rec); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("read after Close: %v, want os.ErrClosed", err)
	}
}

// TestDeadline: a deadline in the future ends a wait on an empty ring.
func TestDeadline(t *testing.T) {
	f := newFixture(t, 4096, 8)
	rd, err := NewReader(f.ring)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	rd.SetDeadline(time.Now().Add(30 * time.Millisecond))
	t0 := time.Now()
	var rec Record
	if err := rd.ReadInto(&rec); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%v, want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(t0); d < 20*time.Millisecond {
		t.Fatalf("returned after %v, before the deadline", d)
	}
}
