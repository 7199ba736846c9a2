package gtrace

import (
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/cilium/ebpf/link"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// backgroundDetachMin is the number of perf-event links from which
// detaching is handed to a helper process even when none of them waits
// in the kernel on its release (slowRelease): below it, closing them in
// parallel costs a few ms at most.
const backgroundDetachMin = 8

// slowRelease reports whether the last release of t's perf event waits
// for RCU grace periods in the kernel: unregistering a tracepoint (~66 ms
// measured, 140 ms on a busy machine), a kprobe or a uprobe. One of them
// costs more than starting the helper (~1 ms), and it would be on the
// path of every exit: with a single tracepoint, after printing 100k keys
// the process still waited ~80 ms for its close (the readout benchmark).
// Software and hardware events (profile, interval, watchpoints) go at
// once.
func slowRelease(t *probes.Target) bool {
	if t == nil {
		return false
	}
	switch t.Provider {
	case lang.Tracepoint, lang.Kprobe, lang.Kretprobe, lang.Uprobe, lang.Uretprobe, lang.USDT:
		return true
	}
	return false
}

// detach closes every link. Closing the last reference to a perf-event
// tracepoint waits for RCU grace periods in the kernel (~66 ms each, under
// a kernel mutex, so parallel closes barely help: ~12 s for 360).
//
// With RunOptions.BackgroundDetach and many perf-event links, a helper
// process takes a reference to every perf event first; our closes then
// only unlink the programs (cheap), and the slow final release happens
// when the helper exits, which nobody waits for. Without it, or when the
// helper cannot start, the links are closed from parallel goroutines.
func (r *runner) detach() {
	if r.detached != nil {
		<-r.detached
	}
	r.closeLinks(r.attached)
	r.attached = nil
}

// detachSoon starts detaching every link in the background; detach waits
// for it. The exit sequence calls it once the probes are stopped, so that
// the kernel's slow part runs while END runs and the maps are read and
// printed.
func (r *runner) detachSoon() {
	if r.detached != nil || len(r.attached) == 0 {
		return
	}
	as := r.attached
	r.attached = nil
	done := make(chan struct{})
	r.detached = done
	go func() {
		defer close(done)
		r.closeLinks(as)
	}()
}

// closeLinks closes the links of as from parallel goroutines, handing
// the perf events to a helper first when asked (see detach).
func (r *runner) closeLinks(as []*probes.Attachment) {
	if len(as) == 0 {
		return
	}
	var release func()
	if r.opts.BackgroundDetach {
		release = handOffPerfEvents(as)
	}
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(func() { a.Close() })
	}
	wg.Wait()
	if release != nil {
		release()
	}
}

// handOffPerfEvents gives duplicates of the perf events of every perf link
// to `sh -c 'read _'` and returns the function that lets it exit (closing
// its stdin). It returns nil when no event is slow to release and there
// are few, or when there is no helper.
func handOffPerfEvents(as []*probes.Attachment) func() {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	slow := 0
	for _, a := range as {
		for _, l := range a.Links {
			if pe, ok := l.(link.PerfEvent); ok {
				if f, err := pe.PerfEvent(); err == nil {
					files = append(files, f)
					if slowRelease(a.Target) {
						slow++
					}
				}
			}
		}
	}
	if slow == 0 && len(files) < backgroundDetachMin {
		closeAll()
		return nil
	}
	cmd := exec.Command("/bin/sh", "-c", "read _")
	cmd.ExtraFiles = files
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	closeAll() // the helper holds its own references now
	if err != nil {
		return nil
	}
	return func() {
		stdin.Close()
		go cmd.Wait() // reap it if this process lives on
	}
}
