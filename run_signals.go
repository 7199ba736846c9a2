package gtrace

import (
	"context"
	"sync"
)

// watchStop ends the run when ctx is done. The library leaves signals to
// the program embedding it: the command line stops the run on SIGINT and
// SIGTERM by cancelling ctx (signal.NotifyContext). The stop only sets the
// stop flag (in the kernel and for the loop) and wakes the loop; END and
// the maps follow on the loop's goroutine. The returned function stops
// watching.
func (r *runner) watchStop(ctx context.Context) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		r.events.requestStop()
	}()
	return func() {
		close(done)
		wg.Wait() // a stop in flight finishes before the maps are closed
	}
}
