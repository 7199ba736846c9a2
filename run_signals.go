package gtrace

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// watchStop ends the run when ctx is done or, with opts.Signals, on the
// first SIGINT or SIGTERM. The handler only sets the stop flag (in the
// kernel and for the loop) and wakes the loop; END and the maps are printed
// by the main goroutine. After the first signal the default action is
// restored, so a second Ctrl-C kills gtrace, as it does bpftrace. The
// returned function stops watching.
func (r *runner) watchStop(ctx context.Context) func() {
	sigs := make(chan os.Signal, 1)
	if r.opts.Signals {
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
		case <-sigs:
			signal.Reset(syscall.SIGINT, syscall.SIGTERM)
		case <-done:
			return
		}
		r.events.requestStop()
	}()
	return func() {
		close(done)
		wg.Wait() // a stop in flight finishes before the maps are closed
		signal.Stop(sigs)
	}
}
