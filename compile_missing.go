package gtrace

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// Attach points that name what this machine does not have (a function
// renamed in this kernel, a symbol this libcrypto lacks, a tracepoint of
// another version) are skipped, as bpftrace skips them: tools list every
// name a target has had, and run with the ones that exist. What to do is
// config missing_probes (bpftrace 0.2x) or Options.MissingProbes:
//
//	""       (default) warn once per missing attach point; a clause with
//	         none left is an error
//	"warn"   warn; a clause with none left is removed, with a warning
//	"ignore" skip silently; a clause with none left is removed
//	"error"  every missing attach point is an error
//
// Missing attach points are found while expanding, before checking, and
// the checker and the code generator see the script without them.

// Values of missing_probes.
const (
	MissingProbesWarn   = "warn"
	MissingProbesIgnore = "ignore"
	MissingProbesError  = "error"
)

// missingProbesMode is opts.MissingProbes, else the config block's
// missing_probes (read before checking, which it changes), else "".
func missingProbesMode(prog *lang.Program, opts Options) string {
	if opts.MissingProbes != "" {
		return strings.ToLower(opts.MissingProbes)
	}
	if prog.Config == nil {
		return ""
	}
	for _, e := range prog.Config.Entries {
		k := strings.TrimPrefix(strings.ToLower(e.Key), "bpftrace_")
		if k != "missing_probes" {
			continue
		}
		switch v := e.Value.(type) {
		case *lang.Ident:
			return strings.ToLower(v.Name)
		case *lang.StrLit:
			return strings.ToLower(v.Value)
		}
	}
	return ""
}

// expansion is a script's attach points expanded on this machine.
type expansion struct {
	prog    *lang.Program     // the script without its missing attach points
	targets [][]probes.Target // per clause of prog
	diags   lang.ErrorList    // errors, and warnings about what is skipped
}

// expandPruned expands every attach point of prog, drops those that are
// missing here (and the clauses left without any, unless that is an error
// by mode), and returns the script that remains with its targets.
func expandPruned(prog *lang.Program, k *probes.Kernel, unsafe bool, mode string) expansion {
	targets, missing, diags := expandTargets(prog, k, unsafe)
	if len(missing) == 0 {
		return expansion{prog: prog, targets: targets, diags: diags}
	}
	pruned := *prog
	pruned.Probes = nil
	var kept [][]probes.Target
	for i, p := range prog.Probes {
		var aps []*lang.AttachPoint
		for _, ap := range p.Attach {
			if missing[ap] == nil {
				aps = append(aps, ap)
			}
		}
		noneLeft := len(aps) == 0
		for _, ap := range p.Attach {
			if err := missing[ap]; err != nil {
				if d := missingDiag(k, ap, err, mode, noneLeft, len(p.Attach) > 1); d != nil {
					diags.Add(d)
				}
			}
		}
		if noneLeft {
			if mode == MissingProbesWarn {
				diags.Add(&lang.Diagnostic{Span: p.Attach[0].Span, Severity: lang.Warning,
					Msg: "Probe has no valid attach points. It is being removed which may cause issues with program behavior."})
			}
			continue
		}
		if len(aps) < len(p.Attach) {
			cp := *p
			cp.Attach = aps
			p = &cp
		}
		pruned.Probes = append(pruned.Probes, p)
		kept = append(kept, targets[i])
	}
	diags.Sort()
	return expansion{prog: &pruned, targets: kept, diags: diags}
}

// missingDiag says that ap is skipped (a warning), or that it is missing
// when that is an error (mode error, or a clause with nothing left by
// default); nil when ignored. The wording is bpftrace's where it has one.
// several tells that ap's clause has other attach points.
func missingDiag(k *probes.Kernel, ap *lang.AttachPoint, err error, mode string, noneLeft, several bool) *lang.Diagnostic {
	isErr := mode == MissingProbesError || (mode == "" && noneLeft)
	if mode == MissingProbesIgnore || (!isErr && mode != "" && mode != MissingProbesWarn) {
		return nil
	}
	d := &lang.Diagnostic{Span: ap.Span, Severity: lang.Warning}
	if isErr {
		d.Severity = lang.Error
	}
	detail := strings.TrimPrefix(err.Error(), apText(ap)+": ")
	switch {
	case ap.Provider == lang.Tracepoint && len(ap.Args) == 2:
		// bpftrace 0.17's warning for a missing tracepoint.
		what := "tracepoint not found"
		if probes.HasWildcard(ap.Args[0]) || probes.HasWildcard(ap.Args[1]) {
			what = "tracepoints not found"
		}
		d.Msg = fmt.Sprintf("%s: %s:%s", what, ap.Args[0], ap.Args[1])
	case !isErr && (ap.Provider == lang.Kprobe || ap.Provider == lang.Kretprobe):
		// bpftrace 0.17's warning for a kprobe it cannot attach.
		d.Msg = fmt.Sprintf("could not attach probe %s, skipping.", apText(ap))
	case isErr:
		d.Msg = err.Error()
	default:
		// bpftrace 0.2x's warning, with what was not found.
		d.Msg = fmt.Sprintf("No matches for %s %s (%s). Skipping.", ap.Provider, strings.Join(ap.Args, ":"), detail)
	}
	if hint := movedToLibc(k, ap); hint != "" {
		d.Hint = hint
	} else if isErr && mode == "" && several {
		// A tool naming every name a function has had, none of them here.
		d.Hint = "no attach point of this probe exists here; if this is expected, set the 'missing_probes' config variable to 'warn'"
	}
	return d
}

// movedToLibc explains a pthread function missing from libpthread: since
// glibc 2.34 libpthread.so.0 is an empty stub and the functions live in
// libc (threadsnoop's uprobe:libpthread:pthread_create).
func movedToLibc(k *probes.Kernel, ap *lang.AttachPoint) string {
	if (ap.Provider != lang.Uprobe && ap.Provider != lang.Uretprobe) || len(ap.Args) != 2 {
		return ""
	}
	bin, fn := ap.Args[0], ap.Args[1]
	if !strings.Contains(bin, "libpthread") {
		return ""
	}
	if _, err := k.Expand(&lang.AttachPoint{Span: ap.Span, Provider: ap.Provider, Args: []string{"libc", fn}}); err != nil {
		return ""
	}
	return fmt.Sprintf("since glibc 2.34 %s is in libc (libpthread is an empty stub): use %s:libc:%s", fn, ap.Provider, fn)
}

// apText is the attach point as written.
func apText(ap *lang.AttachPoint) string {
	if ap.Raw != "" {
		return ap.Raw
	}
	return ap.Name()
}

// isMissing reports whether an expansion error is a missing target.
func isMissing(err error) bool { return errors.Is(err, probes.ErrMissing) }
