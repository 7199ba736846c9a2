package gtrace

import (
	"fmt"
	"io"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// kprobeSkips lets a clause run without the kprobes the kernel refuses
// while attaching, as bpftrace 0.17 does for a probe of several attach
// points ("WARNING: could not attach probe kprobe:NAME, skipping."): a
// function the lists call traceable may still be refused (blacklisted,
// gone with a module). The pre-load check (missing_probes) finds most
// such functions; this is what remains. A clause left with nothing
// attached fails the run with the kernel's error, as one kprobe does.
type kprobeSkips struct {
	targets map[int]int // targets per clause, over all its probes
	done    map[int]int // targets attached per clause
	failed  map[int][]kprobeFailure
	order   []int // clauses with failures, first failure first
	count   int   // targets skipped
}

type kprobeFailure struct {
	name string
	err  error
}

func newKprobeSkips(prog *codegen.Program) *kprobeSkips {
	s := &kprobeSkips{targets: map[int]int{}, done: map[int]int{}, failed: map[int][]kprobeFailure{}}
	for _, p := range prog.Probes {
		s.targets[p.Clause] += len(p.Targets)
	}
	return s
}

// attached records n targets of clause attached.
func (s *kprobeSkips) attached(clause, n int) { s.done[clause] += n }

// skip records that the kernel refused t with err and reports whether the
// run may go on without it: t is a kprobe or kretprobe and its clause has
// other targets.
func (s *kprobeSkips) skip(p *codegen.Probe, t *probes.Target, err error) bool {
	if (t.Provider != lang.Kprobe && t.Provider != lang.Kretprobe) || s.targets[p.Clause] < 2 {
		return false
	}
	if len(s.failed[p.Clause]) == s.targets[p.Clause]-1 {
		return false // the last one: nothing of the clause would be left
	}
	if s.failed[p.Clause] == nil {
		s.order = append(s.order, p.Clause)
	}
	s.failed[p.Clause] = append(s.failed[p.Clause], kprobeFailure{name: t.Name, err: err})
	s.count++
	return true
}

// finish warns about the targets skipped in clauses that kept one; when
// attaching completed, a clause left with nothing attached is an error:
// its first refusal.
func (s *kprobeSkips) finish(w io.Writer, complete bool) error {
	var err error
	for _, c := range s.order {
		if s.done[c] == 0 {
			if complete && err == nil {
				err = s.failed[c][0].err
			}
			continue
		}
		for _, f := range s.failed[c] {
			fmt.Fprintf(w, "%v\nWARNING: could not attach probe %s, skipping.\n", f.err, f.name)
		}
	}
	return err
}
