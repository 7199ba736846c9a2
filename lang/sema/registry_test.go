package sema_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
)

// TestFuncRegistry proves every registered function has a checker rule and
// a sample that checks cleanly with the documented result type, and that
// every sample names a registered function.
func TestFuncRegistry(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(sema.Funcs)) {
		spec := sema.Funcs[name]
		if !spec.HasRule() {
			t.Errorf("%s: no checker rule", name)
		}
		if spec.Name != name {
			t.Errorf("%s: registered under %q", spec.Name, name)
		}
		if spec.Max >= 0 && spec.Max < spec.Min {
			t.Errorf("%s: arity %d..%d", name, spec.Min, spec.Max)
		}
		s, ok := sema.Samples[name]
		if !ok {
			t.Errorf("%s: no sample use in sema.Samples", name)
			continue
		}
		src := s.Probe + " { " + s.Stmt + " }"
		p, info, errs := checkSrc(t, src, sema.Options{Unsafe: true})
		// Warnings belong to some functions' behaviour (debugf's, as
		// bpftrace's); a sample must only be free of errors.
		if errs.HasErrors() {
			t.Errorf("%s: unexpected diagnostics:\n%s", name, render(src, errs))
			continue
		}
		var call *lang.Call
		lang.Inspect(p, func(n lang.Node) bool {
			if c, ok := n.(*lang.Call); ok && c.Name == name && call == nil {
				call = c
			}
			return true
		})
		if call == nil {
			t.Errorf("%s: sample has no call", name)
			continue
		}
		got := info.Types[call]
		if s.Type == "" {
			if got.Kind != lang.KindNone {
				t.Errorf("%s: statement typed %s", name, got)
			}
		} else if got.String() != s.Type {
			t.Errorf("%s: typed %s, want %s", name, got, s.Type)
		}
	}
	for name := range sema.Samples {
		if sema.Funcs[name] == nil {
			t.Errorf("sample for unregistered function %s", name)
		}
	}
}

// TestBuiltinRegistry checks every builtin in a probe that allows it.
func TestBuiltinRegistry(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(sema.Builtins)) {
		spec := sema.Builtins[name]
		if !spec.HasRule() {
			t.Errorf("%s: no type rule", name)
		}
		sample, ok := sema.BuiltinSample(name)
		if !ok {
			t.Errorf("%s: no test probe for providers %v", name, spec.Providers)
			continue
		}
		probe := sample.Probe
		if spec.Providers != nil {
			// A provider outside the list must be rejected.
			if !slices.Contains(spec.Providers, lang.Begin) {
				src := "BEGIN { $v = " + name + "; }"
				if _, _, errs := checkSrc(t, src, sema.Options{HasChild: true}); !errs.HasErrors() {
					t.Errorf("%s accepted in BEGIN", name)
				}
			}
		}
		src := probe + " { " + sample.Stmt + " }"
		_, info, errs := checkSrc(t, src, sema.Options{HasChild: true})
		if len(errs) > 0 {
			t.Errorf("%s: unexpected diagnostics:\n%s", name, render(src, errs))
			continue
		}
		if v := info.Probes[0].Vars["v"]; v == nil || v.Kind == lang.KindNone {
			t.Errorf("%s: untyped", name)
		}
	}
}

// The parser's builtin names (lang.IsBuiltin) and the checker's registry
// are the same set: a name the parser reads as a builtin has a rule.
func TestBuiltinNamesRegistered(t *testing.T) {
	names := lang.BuiltinNames()
	for i := 0; i <= 9; i++ {
		names = append(names, fmt.Sprintf("arg%d", i), fmt.Sprintf("sarg%d", i))
	}
	for _, n := range names {
		if sema.Builtins[n] == nil {
			t.Errorf("the parser reads %s as a builtin, but sema.Builtins has no entry", n)
		}
	}
	for n := range sema.Builtins {
		if !lang.IsBuiltin(n) {
			t.Errorf("sema.Builtins has %s, which the parser does not read as a builtin", n)
		}
	}
	if len(names) != len(sema.Builtins) {
		t.Errorf("%d builtin names, %d registered", len(names), len(sema.Builtins))
	}
}
