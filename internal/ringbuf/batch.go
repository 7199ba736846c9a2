package ringbuf

import (
	"fmt"
	"io"
	"sync/atomic"
	"unsafe"
)

// Reading a batch at a time. ReadInto, like cilium's and libbpf's readers,
// loads the producer position and stores the consumer position for every
// record. Both words sit on cache lines the producing CPU writes or reads
// for every record it reserves, so each record cost two cache-line
// transfers between the CPUs: 36% of gtrace's CPU under a printf flood
// (issue 19). A batch loads the producer position
// once (Begin), hands the records out in place (Next), and stores the
// consumer position once at its end, or every releaseEvery bytes so that
// the producer gets room back while a long batch is handled.

// batch is the reader's position within a batch.
type batch struct {
	// pos is the consumer position of the next record, end the producer
	// position the batch began with, released the consumer position
	// last stored.
	pos, end, released uint64
	// wrapped holds a record that wraps around the end of the data area
	// (mapped once, see doc.go).
	wrapped []byte
	waiting // wait.go
}

// releaseEvery is how many bytes of handled records a batch keeps before
// it gives them back to the producer.
const releaseEvery = 16 << 10

// Begin starts a batch: the records the ring holds now (one load of the
// producer position). It gives the previous batch's records back to the
// producer first, and returns false when the ring is empty (or closed).
func (r *Reader) Begin() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring == nil {
		return false
	}
	r.release()
	r.end = atomic.LoadUint64(r.ring.prodPos)
	return r.end != r.pos
}

// Next returns the next record of the batch, nil at its end. The record
// is the ring's memory (or a copy, if it wraps): it stays valid until the
// next call of Next, Begin or Wait, which may give it back to the
// producer. Next must not run concurrently with Close.
func (r *Reader) Next() ([]byte, error) {
	if r.pos-r.released >= releaseEvery {
		r.release()
	}
	g := r.ring
	for r.pos != r.end {
		if r.end-r.pos < hdrSize {
			return nil, fmt.Errorf("reading a record header: %w", io.ErrUnexpectedEOF)
		}
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&g.data[r.pos&g.mask])))
		for hdr&busyBit != 0 {
			// Reserved, not committed yet: the program that reserved
			// it runs on another CPU and is about to commit.
			hdr = atomic.LoadUint32((*uint32)(unsafe.Pointer(&g.data[r.pos&g.mask])))
		}
		n := uint64(hdr &^ (busyBit | discardBit))
		size := hdrSize + (n+7)&^7
		if r.end-r.pos < size {
			return nil, fmt.Errorf("reading a record: %w", io.ErrUnexpectedEOF)
		}
		start := (r.pos + hdrSize) & g.mask
		r.pos += size
		if hdr&discardBit != 0 {
			continue
		}
		r.records++
		if start+n <= uint64(len(g.data)) {
			return g.data[start : start+n : start+n], nil
		}
		// A record that wraps continues at the start of the data area.
		r.wrapped = append(r.wrapped[:0], g.data[start:]...)
		r.wrapped = append(r.wrapped, g.data[:n-uint64(len(r.wrapped))]...)
		return r.wrapped, nil
	}
	return nil, nil
}

// release gives the records handed out so far back to the producer. The
// store is sequentially consistent (a full barrier): a record that a
// later load of the producer position misses is committed after the
// kernel saw this position, and that commit wakes the reader.
func (r *Reader) release() {
	if r.pos != r.released {
		atomic.StoreUint64(r.ring.consPos, r.pos)
		r.released = r.pos
	}
}

// Empty tells whether the ring holds no record beyond those Next handed
// out.
func (r *Reader) Empty() bool { return r.Producer() == r.pos }

// Position is the consumer position after the records Next handed out,
// Producer the producer position: every record reserved before a call of
// Producer is handed out once Position has reached what it returned.
func (r *Reader) Position() uint64 { return r.pos }

// Producer returns the producer position (see Position).
func (r *Reader) Producer() uint64 { return atomic.LoadUint64(r.ring.prodPos) }
