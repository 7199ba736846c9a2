package probes

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/gtrace/gtrace/lang"
)

func init() {
	register(&Provider{
		Kind:   lang.RawTracepoint,
		Names:  (*Kernel).RawTracepoints,
		Split:  func(n string) []string { return []string{n} },
		Target: rawTracepointTarget,
		Attach: attachRawTracepoint,
		Params: rawTracepointParams,
		Listed: func(*Kernel) bool { return true },
	})
}

// RawTracepoints returns the raw tracepoint names (BPF_RAW_TRACEPOINT_OPEN,
// 4.17+), sorted. The tracefs event names serve, minus the syscalls:
// category, whose events are built on the raw_syscalls tracepoints and are
// not raw tracepoints themselves. Without tracefs, the btf_trace_*
// typedefs of the kernel BTF name them (walking all of BTF).
func (k *Kernel) RawTracepoints() ([]string, error) { return k.cached().rawTPs() }

func (k *Kernel) readRawTracepoints() ([]string, error) {
	var out []string
	if evs, err := k.Events(); err == nil {
		for _, e := range evs {
			cat, ev, _ := cutColon(e)
			if cat != "syscalls" && cat != "ftrace" {
				out = append(out, ev)
			}
		}
	} else {
		spec, berr := k.Spec()
		if berr != nil {
			return nil, errors.Join(err, berr)
		}
		for t, err := range spec.All() {
			if err != nil {
				return nil, err
			}
			if td, ok := t.(*btf.Typedef); ok && strings.HasPrefix(td.Name, "btf_trace_") {
				out = append(out, strings.TrimPrefix(td.Name, "btf_trace_"))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// rawTracepointTarget handles rawtracepoint:event and rawtracepoint:module:event.
// With BTF, the btf_trace_EVENT typedef proves the event exists.
func rawTracepointTarget(k *Kernel, args []string) (Target, error) {
	t := Target{Provider: lang.RawTracepoint, Name: probeName(lang.RawTracepoint, args...), Event: args[len(args)-1]}
	if len(args) == 2 && args[0] != "vmlinux" {
		t.Category = args[0]
		return t, nil
	}
	if spec, err := k.Spec(); err == nil && btfTraceProto(spec, t.Event) == nil {
		return Target{}, missing(fmt.Errorf("raw tracepoint %q not found (no btf_trace_%s in kernel BTF)", t.Event, t.Event))
	}
	return t, nil
}

// rawTracepointParams lists the arguments from BTF for -lv, as C
// declarations ("struct task_struct * prev"), named as in the kernel's
// functions of the same prototype (see rawTracepointSig).
func rawTracepointParams(k *Kernel, name string) []string {
	module, event := "", name
	if m, e, ok := cutColon(name); ok {
		module, event = m, e
	}
	ps, err := k.Protos(lang.RawTracepoint, module, event)
	if err != nil || len(ps) != 1 {
		return nil
	}
	return ps[0].ArgNames
}

// cTypeName renders a BTF type as a C type name: "unsigned int",
// "struct task_struct *", "const char *".
func cTypeName(t btf.Type) string {
	switch v := t.(type) {
	case *btf.Pointer:
		return cTypeName(v.Target) + " *"
	case *btf.Const:
		return "const " + cTypeName(v.Type)
	case *btf.Volatile:
		return "volatile " + cTypeName(v.Type)
	case *btf.Restrict:
		return cTypeName(v.Type)
	case *btf.TypeTag:
		return cTypeName(v.Type)
	case *btf.Struct:
		return "struct " + v.Name
	case *btf.Union:
		return "union " + v.Name
	case *btf.Enum:
		return "enum " + v.Name
	case *btf.Fwd:
		return v.Kind.String() + " " + v.Name
	case *btf.Void:
		return "void"
	case *btf.FuncProto:
		return "void"
	case *btf.Array:
		return fmt.Sprintf("%s[%d]", cTypeName(v.Type), v.Nelems)
	}
	if t == nil {
		return "void"
	}
	return t.TypeName()
}
