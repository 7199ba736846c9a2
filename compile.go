package gtrace

import (
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// Options control compilation.
type Options struct {
	// Params are the positional parameters $1..$N.
	Params []string
	// Env supplies kernel facts (tracepoint formats, BTF). Nil checks
	// without a kernel: tracepoints and kernel structs are then unknown.
	Env sema.Env
	// Unsafe allows system(), signal() and the other unsafe functions.
	Unsafe bool
	// Child tells that a -c command will run, which makes cpid valid.
	Child bool
	// Kernel, when set, expands every attach point into its targets while
	// compiling, so that a bad attach point (an unknown software event, a
	// wildcard where none is allowed, a tracepoint that does not exist) is
	// a script error like any other. It is also the Env when Env is nil.
	Kernel *probes.Kernel
	// StackMode is the mode of kstack/ustack when the script names none
	// (BPFTRACE_STACK_MODE: bpftrace, perf, raw); "" takes the config
	// block's stack_mode.
	StackMode string
	// MaxStrlen is the size of str() results (BPFTRACE_STRLEN); 0 takes the
	// script's config max_strlen, else 64.
	MaxStrlen int
	// MissingProbes is what to do with attach points that do not exist on
	// this machine (BPFTRACE_MISSING_PROBES): "warn", "ignore", "error";
	// "" takes the config block's missing_probes, else warns and fails
	// only for a clause with no attach point left (compile_missing.go).
	MissingProbes string
}

// Script is a parsed and checked program.
type Script struct {
	Source  lang.Source
	Program *lang.Program
	Info    *sema.Info
	// Warnings are the non-fatal diagnostics of parsing and checking.
	Warnings lang.ErrorList
	// params are the positional parameters the script was compiled with.
	params []string
	// unsafe is --unsafe: misplaced uprobe offsets are only warned about.
	unsafe bool
	// kernel is Options.Kernel: a run takes its facts from it rather than
	// reading tracefs and BTF again.
	kernel *probes.Kernel
	// targets holds, per clause, the expanded attach points (nil until
	// expanded with a Kernel).
	targets [][]probes.Target
}

// Parse parses src without checking it (for `-d ast`). User errors come back
// as a lang.ErrorList.
func Parse(src lang.Source, opts Options) (*lang.Program, error) {
	prog, diags := parse.Parse(src, parse.Options{Params: opts.Params})
	diags.Sort()
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return prog, nil
}

// Compile parses and checks src. User errors come back as a lang.ErrorList,
// sorted by position.
func Compile(src lang.Source, opts Options) (*Script, error) {
	prog, diags := parse.Parse(src, parse.Options{Params: opts.Params})
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	env := opts.Env
	if env == nil && opts.Kernel != nil {
		env = opts.Kernel
	}
	strlen := opts.MaxStrlen
	if strlen <= 0 {
		strlen = configStrlen(prog)
	}
	// With a kernel, the attach points are expanded first: those missing
	// here are left out of what is checked and compiled.
	var targets [][]probes.Target
	if opts.Kernel != nil {
		x := expandPruned(prog, opts.Kernel, opts.Unsafe, missingProbesMode(prog, opts))
		if x.diags.HasErrors() {
			// Only those: checking attach points that do not exist
			// would repeat the errors.
			return nil, x.diags
		}
		prog, targets = x.prog, x.targets
		diags = append(diags, x.diags...)
	}
	info, checkDiags := sema.Check(prog, sema.Options{Params: opts.Params, Env: env, Unsafe: opts.Unsafe, HasChild: opts.Child, MaxStrlen: strlen, StackMode: opts.StackMode})
	diags = append(diags, checkDiags...)
	diags.Sort()
	if err := diags.Err(); err != nil {
		return nil, err
	}
	s := &Script{Source: src, Program: prog, Info: info, Warnings: diags, params: opts.Params, unsafe: opts.Unsafe, kernel: opts.Kernel, targets: targets}
	return s, nil
}

// expandTargets returns, per clause, the targets of its attach points in
// the order written, the attach points that name nothing on this machine
// (with why), and a diagnostic for every other attach point that does not
// expand (and a warning or an error for a uprobe offset inside an
// instruction, by unsafe).
func expandTargets(prog *lang.Program, k *probes.Kernel, unsafe bool) ([][]probes.Target, map[*lang.AttachPoint]error, lang.ErrorList) {
	var errs lang.ErrorList
	var missing map[*lang.AttachPoint]error
	out := make([][]probes.Target, len(prog.Probes))
	for i, p := range prog.Probes {
		for _, ap := range p.Attach {
			ts, err := k.Expand(ap)
			if err != nil && isMissing(err) {
				if missing == nil {
					missing = map[*lang.AttachPoint]error{}
				}
				missing[ap] = err
				continue
			}
			if err != nil {
				errs.Add(&lang.Diagnostic{Span: ap.Span, Msg: err.Error()})
				continue
			}
			for j := range ts {
				warn, err := ts[j].CheckPlacement(unsafe)
				switch {
				case err != nil:
					errs.Add(&lang.Diagnostic{Span: ap.Span, Msg: err.Error()})
				case warn != "":
					errs.Add(&lang.Diagnostic{Span: ap.Span, Msg: warn, Severity: lang.Warning})
				}
			}
			out[i] = append(out[i], ts...)
		}
	}
	errs.Sort()
	return out, missing, errs
}
