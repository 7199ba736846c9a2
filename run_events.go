package gtrace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/gtrace/gtrace/internal/ringbuf"
)

// eventLoop reads the ring buffer (5.8+) and hands each record to its
// action. One goroutine reads, formats and writes, a batch of records at a
// time (ringbuf.Reader's Begin, Next, Wait); others only wake it up
// (Flush) after setting a flag.
type eventLoop struct {
	r  *runner
	rd *ringbuf.Reader

	// stop is set by a signal, a cancelled context or exit(): the loop
	// then drains what is in the ring and returns.
	stop atomic.Bool
	// begun is set once BEGIN has run.
	begun atomic.Bool
	// printMaps is set by Run.PrintMaps: the loop prints every map when
	// it wakes up.
	printMaps atomic.Bool
	// handled counts records, to look at the lost counter now and then
	// while the ring never runs empty.
	handled uint64
}

func newEventLoop(r *runner) (*eventLoop, error) {
	rd, err := ringbuf.NewReader(r.objs.events)
	if err != nil {
		return nil, fmt.Errorf("reading the event ring buffer: %w", err)
	}
	return &eventLoop{r: r, rd: rd}, nil
}

func (l *eventLoop) close() { l.rd.Close() }

func (l *eventLoop) stopping() bool { return l.stop.Load() }

// requestStop ends the run from any goroutine: the probes stop acting at
// once (the stopped flag every program tests first), then the loop wakes.
// A stop that comes before BEGIN has run sets the flag only afterwards
// (finish does), so that BEGIN always runs whole.
func (l *eventLoop) requestStop() {
	l.stop.Store(true)
	if l.begun.Load() {
		l.r.setStopped()
	}
	l.rd.Flush()
}

// idleCheck is how often the loop looks at the stopped flag in the
// kernel (whether events come or not): a program sets it itself on
// exit(), so the run ends even when the exit record was lost to a full
// ring buffer.
const idleCheck = 100 * time.Millisecond

// run handles events until a stop is requested, then drains the ring.
func (l *eventLoop) run() error {
	check := time.Now().Add(idleCheck)
	for !l.stop.Load() {
		if l.printMaps.Swap(false) {
			if err := l.r.printAllMaps(); err != nil {
				return err
			}
		}
		err := l.read(check)
		if err != nil && !errors.Is(err, ringbuf.ErrFlushed) && !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if errors.Is(err, os.ErrDeadlineExceeded) || time.Now().After(check) {
			if l.r.stoppedInKernel() {
				l.stop.Store(true)
			}
			if err := l.r.reportLostEvents(false); err != nil {
				return err
			}
			check = time.Now().Add(idleCheck)
		}
	}
	return l.drain()
}

// runWhile runs fn (BEGIN or END programs, run synchronously by
// BPF_PROG_TEST_RUN) while handling the events it produces, so that a
// BEGIN printing more than the ring holds loses nothing. It returns once fn
// is done and every record it submitted has been handled.
func (l *eventLoop) runWhile(fn func() error) error {
	var done atomic.Bool
	errc := make(chan error, 1)
	go func() {
		err := fn()
		done.Store(true)
		l.rd.Flush()
		errc <- err
	}()
	for !done.Load() {
		if err := l.read(time.Time{}); err != nil && !errors.Is(err, ringbuf.ErrFlushed) {
			<-errc
			return err
		}
	}
	if err := <-errc; err != nil {
		return err
	}
	return l.drain()
}

// drain handles every record already in the ring, without waiting.
func (l *eventLoop) drain() error {
	for !l.rd.Empty() {
		if _, err := l.handleBatch(); err != nil {
			return err
		}
	}
	return l.r.out.flush()
}

// read handles the records the ring holds; when it runs empty, it writes
// the output (one write per burst of events, none left waiting in the
// buffer while the loop blocks) and waits for more (see ringbuf.Reader.Wait
// for what it returns) until the deadline (zero: none).
func (l *eventLoop) read(deadline time.Time) error {
	n, err := l.handleBatch()
	if err != nil {
		return err
	}
	if err := l.r.reportLostEvents(false); err != nil {
		return err
	}
	if n > 0 && !l.rd.Empty() {
		return nil
	}
	if err := l.r.out.flush(); err != nil {
		return err
	}
	return l.rd.Wait(deadline)
}

// handleBatch handles the records that were in the ring when it began,
// and returns how many.
func (l *eventLoop) handleBatch() (int, error) {
	if !l.rd.Begin() {
		return 0, nil
	}
	n := 0
	for {
		rec, err := l.rd.Next()
		if err != nil {
			return n, fmt.Errorf("reading the event ring buffer: %w", err)
		}
		if rec == nil {
			return n, nil
		}
		if err := l.r.handle(rec); err != nil {
			return n, err
		}
		n++
		l.handled++
		// Losses happen when the ring is full: then it rarely runs
		// empty, so also look every 4096 records (reportLostEvents
		// reads the counter at most every lostCheck).
		if l.handled%4096 == 0 {
			if err := l.r.reportLostEvents(false); err != nil {
				return n, err
			}
		}
	}
}

// actionID is the u64 every event record starts with.
func actionID(rec []byte) (uint64, bool) {
	if len(rec) < 8 {
		return 0, false
	}
	return binary.NativeEndian.Uint64(rec), true
}
