package probes

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
)

// Attachment is one target attached: the fd-based links that keep the
// program running there. Every link is a file descriptor the kernel
// releases when the process dies (even by SIGKILL), so nothing outlives
// gtrace in tracefs or the kernel. A profile or software target has one
// link per CPU.
type Attachment struct {
	Target *Target
	Links  []link.Link
}

// Close detaches the target. Detaching a perf-event tracepoint costs the
// kernel ~66 ms (an RCU grace period in tracepoint unregistration), so
// callers close many attachments from parallel goroutines, after the
// results are printed.
func (a *Attachment) Close() error {
	var errs []error
	for _, l := range a.Links {
		if err := l.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	a.Links = nil
	return errors.Join(errs...)
}

var _ io.Closer = (*Attachment)(nil)

// Enable starts the target's perf events (interval, profile, software,
// hardware), which are attached disabled so that a timer's first period
// counts from the start of the run. Other targets act as soon as they are
// attached (the runner keeps their programs quiet until BEGIN has run);
// for them Enable does nothing.
func (a *Attachment) Enable() error {
	var errs []error
	for _, l := range a.Links {
		if d, ok := l.(*disabledPerf); ok {
			if err := d.enable(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// ErrNotAttachable is wrapped by Attach for targets that are run by user
// space rather than attached (BEGIN, END, self) and for providers whose
// attaching is not built yet.
var ErrNotAttachable = errors.New("probe type cannot be attached")

// Attach attaches prog to the target t. cookie is what bpf_get_attach_cookie
// returns in the program (the `probe` builtin tells targets sharing one
// program apart by it); it is honoured for tracepoints and uprobes (5.15+)
// and ignored for raw tracepoints and perf events, which cilium/ebpf cannot
// give a cookie: the code generator emits one program per target there.
//
// Errors name the target and end with what the user can do.
func (k *Kernel) Attach(t *Target, prog *ebpf.Program, cookie uint64) (*Attachment, error) {
	links, err := k.attach(t, prog, cookie)
	if err != nil {
		return nil, fmt.Errorf("attach %s: %w", t.Name, k.explain(t, err))
	}
	return &Attachment{Target: t, Links: links}, nil
}

// attach runs the attach step of the target's provider (Provider.Attach).
func (k *Kernel) attach(t *Target, prog *ebpf.Program, cookie uint64) ([]link.Link, error) {
	if p := Lookup(t.Provider); p != nil && p.Attach != nil {
		return p.Attach(k, t, prog, cookie)
	}
	return nil, fmt.Errorf("%w: %s probes are not supported by this gtrace yet", ErrNotAttachable, t.Provider)
}

func one(l link.Link, err error) ([]link.Link, error) {
	if err != nil {
		return nil, err
	}
	return []link.Link{l}, nil
}

// explain is explainAttach naming, for a kernel function probe the kernel
// cannot run, the nearest tracepoint (suggest.go).
func (k *Kernel) explain(t *Target, err error) error {
	if errors.Is(err, ebpf.ErrNotSupported) && (t.Provider == lang.Kprobe || t.Provider == lang.Kretprobe) {
		return fmt.Errorf("%w: this kernel has no kprobes (CONFIG_KPROBES); %s", err, k.refusedHint(t))
	}
	return explainAttach(t, err)
}

// explainAttach turns the kernel's errno into a sentence saying what to do.
func explainAttach(t *Target, err error) error {
	switch {
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: run gtrace as root (or with CAP_BPF and CAP_PERFMON)", err)
	case errors.Is(err, ebpf.ErrNotSupported) && (t.Provider == lang.Kprobe || t.Provider == lang.Kretprobe):
		return fmt.Errorf("%w: this kernel has no kprobes (CONFIG_KPROBES); use a tracepoint or rawtracepoint instead", err)
	case errors.Is(err, ebpf.ErrNotSupported):
		return fmt.Errorf("%w: this kernel cannot attach %s probes", err, t.Provider)
	case errors.Is(err, os.ErrNotExist) && t.Perf == nil:
		return fmt.Errorf("%w: check the name with gtrace -l '%s'", err, t.Name)
	}
	return err
}
