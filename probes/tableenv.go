package probes

import (
	"slices"

	"github.com/gtrace/gtrace/lang"
)

// TableEnv is a sema.Env from tables, for tests of the checker and code
// generator that must not depend on the machine. FixtureKernel gives the
// same from a copied tracefs tree instead.
type TableEnv struct {
	// Args maps "category:event" to the tracepoint's args record.
	Args map[string]*lang.Type
	// Structs maps C type names ("struct task_struct") to records.
	Structs map[string]*lang.Type
	// Funcs maps kernel function names to their signatures (fentry,
	// fexit); RawTPs maps raw tracepoint names to theirs.
	Funcs  map[string]*lang.Proto
	RawTPs map[string]*lang.Proto
}

var _ env = (*TableEnv)(nil)

// AddFormat parses a format file text and records its args.
func (e *TableEnv) AddFormat(category, event, text string) error {
	f, err := ParseFormat(category, event, []byte(text))
	if err != nil {
		return err
	}
	if e.Args == nil {
		e.Args = map[string]*lang.Type{}
	}
	e.Args[category+":"+event] = f.Record()
	return nil
}

// Tracepoints implements sema.Env.
func (e *TableEnv) Tracepoints(category, event string) ([]string, error) {
	var out []string
	for name := range e.Args {
		c, ev, _ := cutColon(name)
		if Match(category, c) && Match(event, ev) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// TracepointArgs implements sema.Env.
func (e *TableEnv) TracepointArgs(category, event string) (*lang.Type, error) {
	if t, ok := e.Args[category+":"+event]; ok {
		return t, nil
	}
	return nil, &missingTracepointError{category, event}
}

// Struct implements sema.Env.
func (e *TableEnv) Struct(name string) (*lang.Type, error) { return e.Structs[name], nil }

// Protos implements sema.Env from Funcs and RawTPs (vmlinux only).
func (e *TableEnv) Protos(p lang.Provider, module, pattern string) ([]*lang.Proto, error) {
	table := e.Funcs
	if p == lang.RawTracepoint {
		table = e.RawTPs
	}
	if !isVmlinux(module) {
		return nil, nil
	}
	var names []string
	for n := range table {
		if Match(pattern, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []*lang.Proto
	for _, n := range names {
		out = append(out, table[n])
	}
	return out, nil
}

type missingTracepointError struct{ category, event string }

func (m *missingTracepointError) Error() string {
	return ErrNoTracepoint.Error() + ": " + m.category + ":" + m.event
}

func (m *missingTracepointError) Unwrap() error { return ErrNoTracepoint }

// FixtureKernel returns a Kernel that reads a copied tracefs tree (dir holds
// available_events and events/CAT/NAME/format) and has no BTF: no
// privilege, no machine dependence.
func FixtureKernel(dir string) *Kernel {
	return &Kernel{TracefsDir: dir, NoBTF: true}
}
