package codegen

import (
	"fmt"
	"io"
	"sort"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Dump writes every program's instructions, with the script text of each
// statement as a comment before its first instruction (-d asm).
func (p *Program) Dump(w io.Writer) error {
	for _, pr := range p.Probes {
		ps := p.Spec.Programs[pr.Program]
		names := ""
		for i, t := range pr.Targets {
			if i > 0 {
				names += ","
			}
			names += t.Name
		}
		if pr.RawSyscalls != "" {
			names += " (one program on rawtracepoint:" + pr.RawSyscalls + ")"
		}
		if _, err := fmt.Fprintf(w, "%s: %s (%d instructions)\n", pr.Program, names, len(ps.Instructions)); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%v\n", ps.Instructions); err != nil {
			return err
		}
	}
	return nil
}

// SpanAt returns the script span that produced the instruction at raw
// offset insn (the index the verifier log uses; a 64-bit immediate load
// takes two) of program prog.
func (p *Program) SpanAt(prog string, insn int) (lang.Span, bool) {
	ps := p.Spec.Programs[prog]
	if ps == nil {
		return lang.Span{}, false
	}
	iter := ps.Instructions.Iterate()
	for iter.Next() {
		if int(iter.Offset) == insn || int(iter.Offset) < insn && insn < int(iter.Offset)+int(iter.Ins.Size()/asm.InstructionSize) {
			s, ok := iter.Ins.Metadata.Get(spanKey{}).(lang.Span)
			return s, ok && s.Start.IsValid()
		}
	}
	return lang.Span{}, false
}

// ProgramNames returns the programs in a stable order.
func (p *Program) ProgramNames() []string {
	out := make([]string, 0, len(p.Spec.Programs))
	for n := range p.Spec.Programs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
