package gtrace

import (
	"fmt"

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
// A program shared by many targets tells them apart by the cookie the
// code generator chose for each (5.15+).
func (r *runner) attach() error {
	for _, p := range r.prog.Probes {
		if special(p) {
			continue
		}
		prog := r.objs.coll.Programs[p.Program]
		if prog == nil {
			return fmt.Errorf("BUG: program %q of %s was not loaded", p.Program, probeLabel(p))
		}
		if p.RawSyscalls != "" {
			a, err := r.opts.Kernel.AttachRawSyscalls(p.RawSyscalls, p.Targets, prog)
			if err != nil {
				return err
			}
			r.attached = append(r.attached, a)
			continue
		}
		if probes.UprobeMulti(p.Provider, len(p.Targets)) {
			// Many functions: one uprobe_multi link per binary (6.6+).
			as, err := r.opts.Kernel.AttachUprobeMulti(p.Targets, prog, p.Cookies)
			if err != nil {
				return err
			}
			r.attached = append(r.attached, as...)
			continue
		}
		if probes.KprobeMulti(p.Provider, p.Targets) {
			// Many kernel functions: one kprobe_multi link (5.18+).
			a, err := r.opts.Kernel.AttachKprobeMulti(p.Targets, prog, p.Cookies)
			if err != nil {
				return err
			}
			r.attached = append(r.attached, a)
			continue
		}
		for i := range p.Targets {
			a, err := r.opts.Kernel.Attach(&p.Targets[i], prog, cookie(p, i))
			if err != nil {
				return err
			}
			r.attached = append(r.attached, a)
		}
	}
	return nil
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
