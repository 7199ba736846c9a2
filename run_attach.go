package gtrace

import (
	"fmt"
	"slices"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// special reports whether a probe is run by user space (BEGIN, END)
// rather than attached.
func special(p *codegen.Probe) bool {
	return p.Provider == lang.Begin || p.Provider == lang.End
}

// probeCount is the N of "Attaching N probes...": every target after
// wildcard expansion, BEGIN and END included, as bpftrace counts.
func (r *runner) probeCount() int {
	n := 0
	for _, p := range r.prog.Probes {
		n += max(len(p.Targets), 1)
	}
	return n
}

// attach attaches every probe but BEGIN and END to each of its targets.
// When the -p process exits meanwhile, the kernel refuses the rest (its
// mappings are gone): the run ends as it does when the process exits while
// traced, with a warning saying so rather than the kernel's error, which
// would only mislead ("no such process", "check the name").
func (r *runner) attach() error {
	n, err := r.attachAll()
	if err != nil && r.opts.PID > 0 && checkPID(r.opts.PID) != nil {
		fmt.Fprintf(r.opts.Stderr, "WARNING: process %d exited while gtrace attached its probes: the run ends\n", r.opts.PID)
		r.events.requestStop()
		return nil
	}
	if total := r.attachableCount(); err == nil && n < total {
		fmt.Fprintf(r.opts.Stderr, "Stopped attaching after %d of %d probes: the run ends\n", n, total)
	}
	return err
}

// attachableCount is the number of targets attach attaches when nothing
// stops it: every target but BEGIN's and END's.
func (r *runner) attachableCount() int {
	n := 0
	for _, p := range r.prog.Probes {
		if !special(p) {
			n += len(p.Targets)
		}
	}
	return n
}

// attachStopped reports whether a stop was requested (SIGINT, SIGTERM,
// ctx): attaching ends at once, and the run goes on to its end (BEGIN,
// END, the maps) with what is attached. Attaching thousands of perf-event
// uprobes can take minutes, and a Ctrl-C must not wait for them.
func (r *runner) attachStopped() bool {
	return r.events != nil && r.events.stopping()
}

// attachAll attaches the probes' targets in order until a stop is
// requested. A program shared by many targets tells them apart by the
// cookie the code generator chose for each (5.15+). It returns how many
// targets it dealt with: attached, or skipped (kprobeSkips).
func (r *runner) attachAll() (done int, err error) {
	skips := newKprobeSkips(r.prog)
	defer func() {
		if serr := skips.finish(r.opts.Stderr, err == nil && !r.attachStopped()); err == nil {
			err = serr
		}
		done += skips.count
	}()
	attached := 0
	for _, p := range r.attachOrder() {
		if r.attachStopped() {
			return attached, nil
		}
		prog := r.objs.coll.Programs[p.Program]
		if prog == nil {
			return attached, fmt.Errorf("BUG: program %q of %s was not loaded", p.Program, probeLabel(p))
		}
		if p.RawSyscalls != "" {
			a, err := r.opts.Kernel.AttachRawSyscalls(p.RawSyscalls, p.Targets, prog)
			if err != nil {
				return attached, err
			}
			r.attached = append(r.attached, a)
			skips.attached(p.Clause, len(p.Targets))
			attached += len(p.Targets)
			continue
		}
		if r.uprobeMulti(p) {
			// Many functions: one uprobe_multi link per binary (6.6+).
			as, err := r.opts.Kernel.AttachUprobeMulti(p.Targets, prog, p.Cookies)
			if err != nil {
				return attached, err
			}
			r.attached = append(r.attached, as...)
			skips.attached(p.Clause, len(p.Targets))
			attached += len(p.Targets)
			continue
		}
		if probes.KprobeMulti(p.Provider, p.Targets) {
			// Many kernel functions: one kprobe_multi link (5.18+).
			a, err := r.opts.Kernel.AttachKprobeMulti(p.Targets, prog, p.Cookies)
			if err != nil {
				return attached, err
			}
			r.attached = append(r.attached, a)
			skips.attached(p.Clause, len(p.Targets))
			attached += len(p.Targets)
			continue
		}
		for i := range p.Targets {
			if r.attachStopped() {
				return attached, nil
			}
			if r.opts.beforeAttach != nil {
				r.opts.beforeAttach()
			}
			a, err := r.opts.Kernel.Attach(&p.Targets[i], prog, cookie(p, i))
			if err != nil && skips.skip(p, &p.Targets[i], err) {
				continue
			}
			if err != nil {
				return attached, err
			}
			r.attached = append(r.attached, a)
			skips.attached(p.Clause, 1)
			attached++
		}
	}
	return attached, nil
}

// attachOrder lists the probes to attach (all but BEGIN and END) in the
// order that makes clauses on one target fire in the order of the script:
// those the kernel runs in attach order first, in script order, then
// those it runs newest first, in reverse (probes.NewestFirst), as
// bpftrace attaches them.
func (r *runner) attachOrder() []*codegen.Probe {
	var forward, reverse []*codegen.Probe
	for _, p := range r.prog.Probes {
		switch {
		case special(p):
		case probes.NewestFirst(p.Provider):
			reverse = append(reverse, p)
		default:
			forward = append(forward, p)
		}
	}
	slices.Reverse(reverse)
	return append(forward, reverse...)
}

// runSpecial returns a function running every BEGIN (or END) program in
// the order of the script, each once through BPF_PROG_TEST_RUN (raw
// tracepoint programs: 5.10+). The context is the raw tracepoint's
// argument array, unused by BEGIN/END code.
func (r *runner) runSpecial(kind lang.Provider) func() error {
	return func() error {
		for _, p := range r.prog.Probes {
			if p.Provider != kind {
				continue
			}
			prog := r.objs.coll.Programs[p.Program]
			if prog == nil {
				return fmt.Errorf("BUG: program %q of %s was not loaded", p.Program, kind)
			}
			if _, err := prog.Run(&ebpf.RunOptions{Context: make([]byte, 8)}); err != nil {
				return fmt.Errorf("running %s: %w (BEGIN and END need BPF_PROG_TEST_RUN for raw tracepoints, Linux 5.10+)", kind, err)
			}
		}
		return nil
	}
}

func cookie(p *codegen.Probe, i int) uint64 {
	if i < len(p.Cookies) {
		return p.Cookies[i]
	}
	return 0
}

// uprobeMulti reports whether p's targets attach through uprobe_multi
// links (probes.UprobeMulti), unless a test asks for one perf-event uprobe
// per target.
func (r *runner) uprobeMulti(p *codegen.Probe) bool {
	return !r.opts.perfUprobes && probes.UprobeMulti(p.Provider, len(p.Targets))
}
