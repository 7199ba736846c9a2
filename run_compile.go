package gtrace

import (
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// generate expands every attach point into its targets (touching tracefs
// or BTF only for the providers that need them) and generates the
// programs.
func (s *Script) generate(opts *RunOptions) (*codegen.Program, error) {
	targets, err := s.expand(opts.Kernel)
	if err != nil {
		return nil, err
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("counting the possible CPUs: %w", err)
	}
	prog, err := codegen.Compile(s.Program, s.Info, targets, codegen.Options{
		Source:     s.Source,
		MaxMapKeys: uint32(opts.MaxMapKeys),
		Env:        opts.Kernel,
		NumCPU:     ncpu,
		RingBytes:  uint32(opts.RingBufBytes),
		Cookies:    true,
	})
	if err != nil {
		return nil, fmt.Errorf("generating code: %w", err)
	}
	return prog, nil
}

// expand returns, per clause, the targets of its attach points, in the
// order written.
func (s *Script) expand(k *probes.Kernel) ([][]probes.Target, error) {
	out := make([][]probes.Target, len(s.Program.Probes))
	for i, p := range s.Program.Probes {
		for _, ap := range p.Attach {
			ts, err := k.Expand(ap)
			if err != nil {
				return nil, &lang.Diagnostic{Span: ap.Span, Msg: err.Error()}
			}
			out[i] = append(out[i], ts...)
		}
	}
	return out, nil
}
