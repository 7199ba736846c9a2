package gtrace

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/safefile"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// DefaultMaxCatBytes is how much of a file cat() prints unless
// RunOptions.MaxCatBytes says otherwise (BPFTRACE_CAT_BYTES_MAX).
const DefaultMaxCatBytes = 10240

// actionState is what user space keeps per action: the format as one
// string (built once, not per event) and a reusable argument slice.
type actionState struct {
	format string
	args   []output.Value
}

func (r *runner) actionStates() []actionState {
	st := make([]actionState, len(r.prog.Actions))
	for i, a := range r.prog.Actions {
		var b strings.Builder
		for _, seg := range a.Format {
			b.WriteString(seg.Text)
		}
		st[i] = actionState{format: b.String(), args: make([]output.Value, len(a.Args))}
	}
	return st
}

// handle performs the action of one event record.
func (r *runner) handle(rec []byte) error {
	id, ok := actionID(rec)
	if !ok || id >= uint64(len(r.prog.Actions)) {
		return fmt.Errorf("BUG: event record with action id %d (record of %d bytes, %d actions)", id, len(rec), len(r.prog.Actions))
	}
	a := r.prog.Actions[id]
	st := &r.actions[id]
	args, err := r.decodeArgs(a, rec, st.args)
	if err != nil {
		return err
	}
	out := r.out.r
	switch a.Kind {
	case codegen.ActPrintf:
		return out.Printf(st.format, args)
	case codegen.ActPrintValue:
		if len(args) != 1 {
			return fmt.Errorf("BUG: print() event with %d values", len(args))
		}
		return out.Value(args[0])
	case codegen.ActPrint:
		return r.printMap(a.Map, a.Top, a.Div)
	case codegen.ActTime:
		f := st.format
		if len(a.Format) == 0 {
			f = "%H:%M:%S\n" // time() without a format, as bpftrace
		}
		return out.Time(output.Strftime(f, time.Now()))
	case codegen.ActCat:
		return r.cat(string(output.AppendFormat(nil, st.format, args)))
	case codegen.ActErrorf, codegen.ActWarnf:
		warning := a.Kind == codegen.ActWarnf
		if warning && r.opts.NoWarnings {
			return nil
		}
		m := output.ScriptMessage{Warning: warning, Text: string(output.AppendFormat(nil, st.format, args)), Span: a.Call.Span}
		if r.script != nil {
			m.Source = r.script.Source
		}
		return out.ScriptMessage(m)
	case codegen.ActSystem:
		return r.system(string(output.AppendFormat(nil, st.format, args)))
	case codegen.ActJoin:
		return out.Join(joinText(a, args))
	case codegen.ActExit:
		if len(args) > 0 {
			r.exitCode = int(int64(args[0].Int))
		}
		r.out.exited(r.exitCode)
		r.events.requestStop()
		return nil
	case codegen.ActUnwatch:
		if len(args) == 1 && r.opts.Kernel != nil {
			if err := r.opts.Kernel.Unwatch(uint64(args[0].Int)); err != nil {
				fmt.Fprintf(r.opts.Stderr, "WARNING: unwatch(%#x): %v\n", uint64(args[0].Int), err)
			}
		}
		return nil
	case codegen.ActClear:
		return r.clearMap(a.Map, false)
	case codegen.ActZero:
		return r.clearMap(a.Map, true)
	case codegen.ActHelperError:
		if r.opts.NoWarnings && r.opts.Format != "json" {
			return nil
		}
		return out.HelperError(r.helperError(a, args))
	}
	return fmt.Errorf("BUG: unknown action kind %d", a.Kind)
}

// joinText joins the strings of join(array[, sep]); bpftrace's default
// separator is a space. The first empty string ends the list, as in
// bpftrace 0.17 (an empty argument in an argv hides those after it).
func joinText(a *codegen.Action, args []output.Value) string {
	sep := " "
	if a.Call != nil && len(a.Call.Args) > 1 {
		if s, ok := a.Call.Args[1].(*lang.StrLit); ok {
			sep = s.Value
		}
	}
	var parts []string
	for _, v := range args {
		if v.Kind == lang.KindArray {
			for _, e := range v.Elems {
				if e.Str == "" {
					break
				}
				parts = append(parts, e.Str)
			}
		} else if v.Kind == lang.KindStr {
			parts = append(parts, v.Str)
		}
	}
	return strings.Join(parts, sep)
}

// cat prints up to RunOptions.MaxCatBytes of a file; a file that cannot be read is a
// warning on stderr, as in bpftrace, not the end of the run. Only a regular
// file is read (procfs and sysfs files are): a FIFO or a terminal would
// hold the event loop, and Ctrl-C with it, until someone writes to it.
func (r *runner) cat(name string) error {
	f, err := safefile.Open(name)
	if err != nil {
		fmt.Fprintf(r.opts.Stderr, "WARNING: cat: %v\n", err)
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(r.opts.MaxCatBytes)))
	if err != nil {
		fmt.Fprintf(r.opts.Stderr, "WARNING: cat: %v\n", err)
	}
	return r.out.r.Cat(string(data))
}

// system runs a command through the shell (system() is allowed only with
// --unsafe, which the checker enforced) and prints its standard output.
func (r *runner) system(cmdline string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", cmdline)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = r.opts.Stderr
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			fmt.Fprintf(r.opts.Stderr, "WARNING: system(%q): %v\n", cmdline, err)
		}
	}
	return r.out.r.System(stdout.String())
}

// helperError describes the failed helper call of a helper-error record
// (-k, -kk); its argument is the helper's return value, an int as
// bpftrace reads it.
func (r *runner) helperError(a *codegen.Action, args []output.Value) output.HelperError {
	e := output.HelperError{Helper: a.Helper, Span: a.Span}
	if len(args) == 1 {
		e.Retcode = int(int32(args[0].Int))
	}
	if r.script != nil {
		e.Source = r.script.Source
	}
	return e
}
