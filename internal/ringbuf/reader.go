package ringbuf

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// ErrFlushed is returned by ReadInto once the ring is empty after Flush
// was called.
var ErrFlushed = errors.New("ring buffer flushed")

// A Record is one sample, copied out of the ring.
type Record struct {
	RawSample []byte
	// Remaining is how many bytes of the ring were still unread after
	// this record, when it was read.
	Remaining int
}

// A Reader reads one ring buffer map, a record at a time (ReadInto) or a
// batch at a time (Begin, Next, Wait), not both. Reading is for one
// goroutine at a time; Flush may be called from any goroutine.
type Reader struct {
	epfd  int
	wake  int  // eventfd: Flush and Close
	flush bool // set with wakeMu held, before wake is written
	shut  bool
	// wakeMu orders Flush and Close against a ReadInto that looks at
	// flush and shut.
	wakeMu sync.Mutex

	mu         sync.Mutex // ReadInto, SetDeadline, Close
	ring       *ring
	deadline   time.Time
	haveData   bool
	pendingErr error
	events     [2]unix.EpollEvent

	batch // Begin, Next, Wait (batch.go, wait.go)
}

// NewReader maps m, a BPF_MAP_TYPE_RINGBUF, for reading.
func NewReader(m *ebpf.Map) (*Reader, error) {
	if m.Type() != ebpf.RingBuf {
		return nil, fmt.Errorf("map type %s is not a ring buffer", m.Type())
	}
	size := int(m.MaxEntries())
	if size == 0 || size&(size-1) != 0 {
		return nil, fmt.Errorf("ring buffer size %d is zero or not a power of two", size)
	}
	rg, err := mapRing(m.FD(), size)
	if err != nil {
		return nil, err
	}
	r := &Reader{ring: rg, epfd: -1, wake: -1}
	r.pos = atomic.LoadUint64(rg.consPos)
	r.end, r.released = r.pos, r.pos
	if err := r.initPoll(m.FD()); err != nil {
		r.closeFDs()
		rg.unmap()
		return nil, err
	}
	return r, nil
}

func (r *Reader) initPoll(mapFD int) error {
	var err error
	if r.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("eventfd: %w", err)
	}
	r.wake = efd
	for _, fd := range []int{mapFD, efd} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return fmt.Errorf("epoll_ctl: %w", err)
		}
	}
	return nil
}

// SetDeadline makes ReadInto return os.ErrDeadlineExceeded once the ring
// is empty and t has passed; the zero time waits for ever.
func (r *Reader) SetDeadline(t time.Time) {
	r.mu.Lock()
	r.deadline = t
	r.mu.Unlock()
}

// Flush makes a ReadInto that waits (or the next one) return ErrFlushed
// once it has read what the ring holds.
func (r *Reader) Flush() error {
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	if r.shut {
		return fmt.Errorf("ring buffer: %w", os.ErrClosed)
	}
	r.flush = true
	return r.kick()
}

func (r *Reader) kick() error {
	var one = [8]byte{1}
	if _, err := unix.Write(r.wake, one[:]); err != nil && !errors.Is(err, unix.EAGAIN) {
		return fmt.Errorf("waking the ring buffer reader: %w", err)
	}
	return nil
}

// ReadInto copies the next record into rec, waiting for one if the ring
// is empty. A deadline or a Flush is reported once everything that was in
// the ring when it happened has been read, as cilium's reader does.
func (r *Reader) ReadInto(rec *Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring == nil {
		return fmt.Errorf("ring buffer: %w", os.ErrClosed)
	}
	for {
		if !r.haveData {
			if pe := r.pendingErr; pe != nil {
				r.pendingErr = nil
				return pe
			}
			err := r.wait(r.deadline)
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ErrFlushed) {
				r.pendingErr = err
			} else if err != nil {
				return err
			}
			r.haveData = true
		}
		for {
			err := r.ring.read(rec)
			if err == errBusy {
				continue // the producer is writing the header's record: it is about to commit
			}
			if err == errEmpty {
				r.haveData = false
				break
			}
			return err
		}
	}
}

// wait blocks until the ring has data, Flush or Close was called, or the
// deadline passed.
func (r *Reader) wait(deadline time.Time) error {
	for {
		timeout := -1
		if !deadline.IsZero() {
			timeout = int(max(0, time.Until(deadline).Milliseconds()))
		}
		n, err := unix.EpollWait(r.epfd, r.events[:], timeout)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		if n == 0 {
			return os.ErrDeadlineExceeded
		}
		data, woken := false, false
		for _, ev := range r.events[:n] {
			if int(ev.Fd) == r.wake {
				woken = true
			} else {
				data = true
			}
		}
		r.wakeMu.Lock()
		if woken {
			var b [8]byte
			unix.Read(r.wake, b[:]) // reset the eventfd (non-blocking)
		}
		flushed, shut := r.flush, r.shut
		r.flush = false
		r.wakeMu.Unlock()
		switch {
		case shut:
			return fmt.Errorf("ring buffer: %w", os.ErrClosed)
		case flushed:
			return ErrFlushed
		case data:
			return nil
		}
	}
}

// Close wakes a waiting ReadInto, then unmaps the ring and closes the
// reader's descriptors.
func (r *Reader) Close() error {
	r.wakeMu.Lock()
	if r.shut {
		r.wakeMu.Unlock()
		return nil
	}
	r.shut = true
	kerr := r.kick()
	r.wakeMu.Unlock()

	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.ring.unmap()
	r.ring = nil
	r.closeFDs()
	return errors.Join(kerr, err)
}

func (r *Reader) closeFDs() {
	if r.epfd >= 0 {
		unix.Close(r.epfd)
		r.epfd = -1
	}
	if r.wake >= 0 {
		unix.Close(r.wake)
		r.wake = -1
	}
}
