package probes

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cilium/ebpf/btf"
	"github.com/gtrace/gtrace/lang"
)

func init() {
	for _, kind := range []lang.Provider{lang.Fentry, lang.Fexit} {
		register(&Provider{
			Kind:   kind,
			Names:  (*Kernel).BTFFuncs,
			Split:  func(n string) []string { return []string{n} },
			Target: fentryTarget(kind),
			Attach: attachTracing,
			Params: funcParams,
			// bpftrace attaches fentry in reverse, fexit in order.
			NewestFirst: kind == lang.Fentry,
			// Listed where the running kernel runs fentry programs and k
			// has the BTF to list them from (a fixture kernel may not).
			Listed: func(k *Kernel) bool {
				if kind != lang.Fentry || !ProbeFeatures(k).Fentry.OK {
					return false
				}
				_, err := k.Spec()
				return err == nil
			},
		})
	}
}

// fentryTarget handles fentry:fn and fentry:module:fn (wildcards match
// vmlinux functions only). fentry/fexit need BTF and BPF trampolines
// (5.5+, x86-64 first).
func fentryTarget(kind lang.Provider) func(*Kernel, []string) (Target, error) {
	return func(k *Kernel, args []string) (Target, error) {
		t := Target{Provider: kind, Name: probeName(kind, args...), Func: args[len(args)-1]}
		module := ""
		if len(args) == 2 && args[0] != "vmlinux" {
			t.Category, module = args[0], args[0]
		}
		if _, err := k.Spec(); err != nil && module != "" {
			return t, nil // without kernel BTF a module cannot be checked
		}
		spec, err := k.moduleSpec(module) // a module's own BTF (5.11+)
		if err != nil {
			return Target{}, err
		}
		var fn *btf.Func
		if err := spec.TypeByName(t.Func, &fn); err != nil {
			if errors.Is(err, btf.ErrNotFound) {
				return Target{}, missing(fmt.Errorf("kernel function %q not found in BTF", t.Func))
			}
			if !errors.Is(err, btf.ErrMultipleMatches) {
				return Target{}, err
			}
		}
		return t, nil
	}
}

// BTFFuncs returns the names of the functions in the kernel BTF, sorted.
// This walks all of BTF (a few hundred ms), so only fentry wildcards and
// listing call it.
func (k *Kernel) BTFFuncs() ([]string, error) { return k.cached().btfFuncs() }

func (k *Kernel) readBTFFuncs() ([]string, error) {
	spec, err := k.Spec()
	if err != nil {
		return nil, err
	}
	var out []string
	for t, err := range spec.All() {
		if err != nil {
			return nil, err
		}
		if fn, ok := t.(*btf.Func); ok {
			out = append(out, fn.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// funcParams lists a kernel function's arguments for -lv as bpftrace
// 0.26 does: "struct file * file" per parameter, then the return type as
// "ssize_t retval" unless it is void.
func funcParams(k *Kernel, name string) []string {
	module, fn := "", name
	if m, f, ok := cutColon(name); ok {
		module, fn = m, f
	}
	ps, err := k.Protos(lang.Fentry, module, fn)
	if err != nil || len(ps) != 1 {
		return nil
	}
	out := slices.Clone(ps[0].ArgNames)
	if ps[0].Ret != nil {
		out = append(out, ps[0].RetName+" retval")
	}
	return out
}
