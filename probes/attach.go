package probes

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/gtrace/gtrace/lang"
	"golang.org/x/sys/unix"
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
// (Kernel function probes the kernel cannot run are explained by explain,
// which names the nearest tracepoint.)
func explainAttach(t *Target, err error) error {
	switch {
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: %s", err, refusedWhy(t))
	case errors.Is(err, errENOTSUPP) && (t.Provider == lang.Uprobe || t.Provider == lang.Uretprobe):
		return fmt.Errorf("%w: the kernel cannot put a uprobe on the function's first instruction (a lock-prefixed one, for instance): leave the function out", err)
	case errors.Is(err, ebpf.ErrNotSupported):
		return fmt.Errorf("%w: this kernel cannot attach %s probes", err, t.Provider)
	case errors.Is(err, os.ErrNotExist) && t.Perf == nil:
		return fmt.Errorf("%w: check the name with gtrace -l '%s'", err, t.Name)
	}
	return err
}

// errENOTSUPP is the kernel's internal ENOTSUPP (524), which uprobes return
// for an instruction they cannot single-step or emulate (cilium/ebpf
// prints it as "operation not supported").
const errENOTSUPP = unix.Errno(524)

// refusedWhy says why the kernel refused to attach t with EPERM or EACCES,
// from the capabilities gtrace has: only a missing capability is worth
// "run as root", and root is not told to become root.
func refusedWhy(t *Target) string {
	if hint := MissingCapsHint(); hint != "" {
		return hint
	}
	if (t.Provider == lang.Uprobe || t.Provider == lang.Uretprobe || t.Provider == lang.USDT) && !HasCap(CapSysAdmin) {
		return "the kernel's perf uprobe PMU needs CAP_SYS_ADMIN, and this kernel has no uprobe_multi links (6.6+), which need only CAP_BPF and CAP_PERFMON: grant CAP_SYS_ADMIN"
	}
	return "the kernel refused although gtrace has CAP_BPF and CAP_PERFMON: some events take no BPF program (tracepoint irq_vectors:irq_work_exit refuses the sampling event, which perf's own work would re-enter), or lockdown, a security module or seccomp forbids it"
}
