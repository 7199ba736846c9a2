package ringbuf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The record header the kernel writes before each sample: the length with
// two flag bits, then a page offset only the kernel uses.
const (
	hdrSize    = 8
	busyBit    = 1 << 31 // the producer has reserved the record, not yet committed it
	discardBit = 1 << 30 // the record was discarded: skip it
)

var (
	errEmpty = errors.New("ring buffer empty")
	errBusy  = errors.New("record not committed yet")
)

// ring is the mapped ring: the consumer position (the one page user space
// may write), the producer position, and the data area, mapped once.
type ring struct {
	cons, prod []byte // the two mappings, for munmap
	consPos    *uint64
	prodPos    *uint64
	data       []byte
	mask       uint64
}

// mapRing maps the consumer page read-write, and the producer page plus
// one copy of the data area read-only (the kernel accepts any length up to
// its two copies).
func mapRing(fd, size int) (*ring, error) {
	page := os.Getpagesize()
	cons, err := unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping the ring buffer's consumer page: %w", err)
	}
	prod, err := unix.Mmap(fd, int64(page), page+size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		unix.Munmap(cons)
		return nil, fmt.Errorf("mapping the ring buffer's data: %w", err)
	}
	return &ring{
		cons:    cons,
		prod:    prod,
		consPos: (*uint64)(unsafe.Pointer(&cons[0])),
		prodPos: (*uint64)(unsafe.Pointer(&prod[0])),
		data:    prod[page:],
		mask:    uint64(size - 1),
	}, nil
}

func (g *ring) unmap() error {
	return errors.Join(unix.Munmap(g.prod), unix.Munmap(g.cons))
}

// read copies the next committed record into rec and moves the consumer
// position past it (and past any discarded records before it). It returns
// errEmpty when nothing is left and errBusy when the next record is still
// being written.
func (g *ring) read(rec *Record) error {
	prod := atomic.LoadUint64(g.prodPos)
	cons := atomic.LoadUint64(g.consPos)
	for {
		left := prod - cons
		if left == 0 {
			return errEmpty
		}
		if left < hdrSize {
			return fmt.Errorf("reading a record header: %w", io.ErrUnexpectedEOF)
		}
		// Headers are 8-byte aligned and the size a power of two: a header
		// never wraps.
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&g.data[cons&g.mask])))
		if hdr&busyBit != 0 {
			return errBusy
		}
		cons += hdrSize
		n := uint64(hdr &^ (busyBit | discardBit))
		aligned := (n + 7) &^ 7
		if prod-cons < aligned {
			return fmt.Errorf("reading a record: %w", io.ErrUnexpectedEOF)
		}
		start := cons & g.mask
		cons += aligned
		if hdr&discardBit != 0 {
			atomic.StoreUint64(g.consPos, cons)
			continue
		}
		if uint64(cap(rec.RawSample)) < n {
			rec.RawSample = make([]byte, n)
		} else {
			rec.RawSample = rec.RawSample[:n]
		}
		// A record that wraps continues at the start of the data area.
		if k := copy(rec.RawSample, g.data[start:]); uint64(k) < n {
			copy(rec.RawSample[k:], g.data)
		}
		rec.Remaining = int(prod - cons)
		atomic.StoreUint64(g.consPos, cons)
		return nil
	}
}
