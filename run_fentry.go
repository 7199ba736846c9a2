package gtrace

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

// Kernels that refuse fentry/fexit programs (lockdown, no BPF trampolines:
// the load itself fails with EPERM or ENOTSUPP, before the verifier
// runs) can still check their code: fentry, fexit and raw tracepoint
// programs see the same context, an array of u64 arguments, so --dry-run
// verifies the same instructions as raw tracepoint programs and says so.
// A real run stops with one line naming the probe and the nearest
// tracepoint instead.

// errENOTSUPP is the kernel-internal ENOTSUPP (524) that BPF syscalls
// leak, e.g. for a trampoline the architecture cannot build.
const errENOTSUPP = unix.Errno(524)

// tracingRefusal reports the probe whose fentry/fexit program the kernel
// refused to load and the errno it gave, or nil.
func (r *runner) tracingRefusal(spec *ebpf.CollectionSpec, err error) (*codegen.Probe, string) {
	var ve *ebpf.VerifierError
	if err == nil || errors.As(err, &ve) && len(ve.Log) > 0 {
		return nil, "" // the verifier ran: a rejection, not a refusal
	}
	name := failingProgram(spec, err)
	ps := spec.Programs[name]
	p := r.probeByProgram(name)
	if ps == nil || p == nil || ps.Type != ebpf.Tracing || len(p.Targets) == 0 {
		return nil, ""
	}
	switch {
	case errors.Is(err, unix.EPERM) || errors.Is(err, os.ErrPermission):
		return p, "EPERM"
	case errors.Is(err, errENOTSUPP) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, ebpf.ErrNotSupported):
		return p, "ENOTSUPP"
	}
	return nil, ""
}

// refusedTracing handles a refused fentry/fexit load: the error of a
// real run, or for --dry-run the collection loaded with every tracing
// program verified as a raw tracepoint.
func (r *runner) refusedTracing(spec *ebpf.CollectionSpec, copts ebpf.CollectionOptions, p *codegen.Probe, errno string) (*ebpf.Collection, error) {
	if !r.opts.DryRun {
		return nil, r.opts.Kernel.Refused(&p.Targets[0], errors.New(errno))
	}
	raw := spec.Copy()
	var probes []string
	for _, q := range r.prog.Probes {
		ps := raw.Programs[q.Program]
		if ps == nil || ps.Type != ebpf.Tracing {
			continue
		}
		codegen.AsRawTracepoint(ps)
		probes = append(probes, probeLabel(q))
	}
	coll, err := ebpf.NewCollectionWithOptions(raw, copts)
	if err != nil {
		return nil, err
	}
	if !r.opts.Quiet {
		what := probes[0]
		if len(probes) > 1 {
			what = fmt.Sprintf("%s and %d more programs", probes[0], len(probes)-1)
		}
		fmt.Fprintf(r.opts.Stderr, "%s: the kernel refuses %s programs (%s); verified their code as raw tracepoint programs (same u64 argument context)\n",
			what, providerName(p.Provider), errno)
	}
	return coll, nil
}

func providerName(p lang.Provider) string {
	if p == lang.Fexit {
		return "fexit"
	}
	return "fentry"
}
