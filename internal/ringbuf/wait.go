package ringbuf

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Lingering. The kernel wakes the reader when a record is committed at the
// consumer position, i.e. whenever the reader has caught up; a reader that
// handles records faster than they come is woken for every few records,
// and each wake-up (a context switch on both sides, the producer's
// irq_work, one write of the output) costs several times what formatting a
// line does. So when records come at more than about two per linger, the
// reader, having found records after catching up, sleeps linger before
// reading them: the records that come meanwhile find the consumer position
// behind them and wake no one, and one wake-up, one batch and one write
// serve them all. Rarer records are read as soon as they come.
const (
	linger     = 250 * time.Microsecond
	rateWindow = 10 * time.Millisecond
	// lingerMax: no lingering once this much waits in the ring, so that a
	// fast producer does not fill it while the reader sleeps.
	lingerMax = 64 << 10
	// yieldEvery: see yield.
	yieldEvery = 2 * time.Millisecond
)

// waiting is the state of Wait's policies.
type waiting struct {
	// records counts the records handed out since rateFrom; lingering
	// says whether the rate then was high enough.
	records   uint64
	rateFrom  time.Time
	lingering bool
	// yielded is when Wait last let the Go scheduler run.
	yielded time.Time
}

// Wait ends the batch and waits until the ring holds a record (nil),
// Flush is called (ErrFlushed), the deadline passes
// (os.ErrDeadlineExceeded; the zero time waits for ever) or Close is
// called (os.ErrClosed). Before it returns nil it may linger (see linger).
func (r *Reader) Wait(deadline time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring == nil {
		return fmt.Errorf("ring buffer: %w", os.ErrClosed)
	}
	r.release()
	if r.lingering {
		r.yield()
	}
	for r.Empty() {
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return os.ErrDeadlineExceeded
		}
		if err := r.wait(deadline); err != nil {
			return err
		}
	}
	now := time.Now()
	if elapsed := now.Sub(r.rateFrom); elapsed >= rateWindow {
		r.lingering = r.records*uint64(linger) >= 2*uint64(elapsed)
		r.records, r.rateFrom = 0, now
	}
	if r.lingering && r.Producer()-r.pos < lingerMax {
		ts := unix.NsecToTimespec(int64(linger))
		unix.Nanosleep(&ts, nil)
	}
	return nil
}

// yield lets the Go scheduler run every yieldEvery. A goroutine reading
// batches never parks: it blocks in system calls (epoll_wait, nanosleep,
// the output's write). The runtime's monitor (sysmon) takes a goroutine
// that has not been through the scheduler for 10 ms for one that hogs
// its P: it preempts it and hands its P to another thread while it is in a
// system call; then all Ps are idle, the monitor sleeps deeply, and the
// reader's next system call wakes it to poll every 20 µs for a
// millisecond. Under a paced printf load half of gtrace's CPU went to
// that. runtime.Gosched costs a thread hand-off of its own, so it is done
// only every few milliseconds, and only while records come fast
// (lingering): in an idle run the same Gosched before each idle wait of
// 100 ms set the monitor polling (600 wake-ups a second instead of 10).
func (r *Reader) yield() {
	if now := time.Now(); now.Sub(r.yielded) >= yieldEvery {
		runtime.Gosched()
		r.yielded = now
	}
}
