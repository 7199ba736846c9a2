package sema

import (
	"path"
	"sort"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// NoKernel is an Env that knows nothing about the kernel: every tracepoint
// name is taken as written (wildcards unexpanded), tracepoint args and BTF
// structs are unknown. Fields of unknown records are accepted and typed
// uint64, so `-d ast` and tests can check scripts without a kernel.
var NoKernel Env = noKernel{}

type noKernel struct{}

func (noKernel) Tracepoints(cat, ev string) ([]string, error) {
	return []string{cat + ":" + ev}, nil
}
func (noKernel) TracepointArgs(string, string) (*lang.Type, error) { return nil, nil }
func (noKernel) Struct(string) (*lang.Type, error)                 { return nil, nil }
func (noKernel) Enumerator(string) (int64, bool, error)            { return 0, false, nil }
func (noKernel) Protos(lang.Provider, string, string) ([]*lang.Proto, error) {
	return nil, nil
}

// TableEnv is an Env backed by tables, for tests and for tools that
// snapshot the kernel's facts.
type TableEnv struct {
	// Tracepoints maps "category:event" to the args record type.
	TP map[string]*lang.Type
	// Types maps "struct name" to a record type.
	Types map[string]*lang.Type
	// Enums maps kernel enumerator names to values.
	Enums map[string]int64
	// Funcs maps kernel function names to their signatures (fentry,
	// fexit); RawTPs maps raw tracepoint names to theirs.
	Funcs  map[string]*lang.Proto
	RawTPs map[string]*lang.Proto
}

// Tracepoints implements Env with shell-style wildcards.
func (t *TableEnv) Tracepoints(cat, ev string) ([]string, error) {
	var out []string
	for name := range t.TP {
		c, e, _ := strings.Cut(name, ":")
		okC, _ := path.Match(cat, c)
		okE, _ := path.Match(ev, e)
		if okC && okE {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// TracepointArgs implements Env.
func (t *TableEnv) TracepointArgs(cat, ev string) (*lang.Type, error) {
	return t.TP[cat+":"+ev], nil
}

// Struct implements Env.
func (t *TableEnv) Struct(name string) (*lang.Type, error) {
	return t.Types[name], nil
}

// Enumerator implements Env.
func (t *TableEnv) Enumerator(name string) (int64, bool, error) {
	v, ok := t.Enums[name]
	return v, ok, nil
}

// Protos implements Env with shell-style wildcards; modules other than
// vmlinux have no entries.
func (t *TableEnv) Protos(p lang.Provider, module, pattern string) ([]*lang.Proto, error) {
	table := t.Funcs
	if p == lang.RawTracepoint {
		table = t.RawTPs
	}
	if module != "" && module != "vmlinux" {
		return nil, nil
	}
	var names []string
	for name := range table {
		if ok, _ := path.Match(pattern, name); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]*lang.Proto, len(names))
	for i, n := range names {
		out[i] = table[n]
	}
	return out, nil
}
