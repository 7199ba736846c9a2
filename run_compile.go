package gtrace

import (
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// generate expands every attach point into its targets (touching tracefs
// or BTF only for the providers that need them) and generates the
// programs.
func (s *Script) generate(opts *RunOptions) (*codegen.Program, error) {
	targets := s.targets
	if targets == nil {
		// Compiled without a kernel: the script was checked whole, so an
		// attach point missing here cannot be left out now.
		var errs lang.ErrorList
		var missing map[*lang.AttachPoint]error
		targets, missing, errs = expandTargets(s.Program, opts.Kernel, s.unsafe)
		for ap, err := range missing {
			errs.Add(&lang.Diagnostic{Span: ap.Span, Msg: err.Error()})
		}
		if errs.HasErrors() {
			errs.Sort()
			return nil, errs.Err()
		}
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("counting the possible CPUs: %w", err)
	}
	prog, err := codegen.Compile(s.Program, s.Info, targets, codegen.Options{
		Source:      s.Source,
		Params:      s.params,
		MaxMapKeys:  uint32(opts.MaxMapKeys),
		Env:         opts.Kernel,
		NumCPU:      ncpu,
		RingBytes:   uint32(opts.RingBufBytes),
		Cookies:     true,
		ChildPID:    opts.proc.childPID(),
		Kaddr:       opts.Kernel.Kallsyms().Addr,
		KaddrHidden: func() string { return kallsymsHidden(opts.Kernel) },
		Uaddr:       func(path, name string) (uint64, error) { return elfSymbolAddr(opts.Kernel, path, name) },
		// syscalls:* targets from one raw_syscalls program per direction.
		RawSyscalls: rawSyscalls(opts, targets),
		// -k, -kk: the programs test helper results (helper_errors.go).
		HelperErrors: opts.HelperErrors,
	})
	if err != nil {
		return nil, fmt.Errorf("generating code: %w", err)
	}
	return prog, nil
}

// kallsymsHidden is codegen.Options.KaddrHidden: why kernel symbols have
// no addresses for gtrace, "" when they have.
func kallsymsHidden(k *probes.Kernel) string {
	if k.Kallsyms().Hidden() {
		return symbols.HiddenHint
	}
	return ""
}
