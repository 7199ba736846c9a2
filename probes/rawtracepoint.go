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
		Params: rawTracepointParams,
		Listed: func(*Kernel) bool { return true },
	})
}

// RawTracepoints returns the raw tracepoint names (BPF_RAW_TRACEPOINT_OPEN,
// 4.17+), sorted. The tracefs event names serve, minus the syscalls:
// category, whose events are built on the raw_syscalls tracepoints and are
// not raw tracepoints themselves. Without tracefs, the btf_trace_*
// typedefs of the kernel BTF name them (walking all of BTF).
func (k *Kernel) RawTracepoints() ([]string, error) {
	k.rawOnce.Do(func() {
		if evs, err := k.Events(); err == nil {
			for _, e := range evs {
				cat, ev, _ := cutColon(e)
				if cat != "syscalls" && cat != "ftrace" {
					k.rawTPs = append(k.rawTPs, ev)
				}
			}
		} else {
			spec, berr := k.Spec()
			if berr != nil {
				k.rawErr = errors.Join(err, berr)
				return
			}
			for t, err := range spec.All() {
				if err != nil {
					k.rawErr = err
					return
				}
				if td, ok := t.(*btf.Typedef); ok && strings.HasPrefix(td.Name, "btf_trace_") {
					k.rawTPs = append(k.rawTPs, strings.TrimPrefix(td.Name, "btf_trace_"))
				}
			}
		}
		slices.Sort(k.rawTPs)
		k.rawTPs = slices.Compact(k.rawTPs)
	})
	return k.rawTPs, k.rawErr
}

// rawTracepointTarget handles rawtracepoint:event and rawtracepoint:module:event.
// With BTF, the btf_trace_EVENT typedef proves the event exists.
func rawTracepointTarget(k *Kernel, args []string) (Target, error) {
	t := Target{Provider: lang.RawTracepoint, Name: probeName(lang.RawTracepoint, args...), Event: args[len(args)-1]}
	if len(args) == 2 && args[0] != "vmlinux" {
		t.Category = args[0]
		return t, nil
	}
	if proto := rawTracepointProto(k, t.Event); proto == nil {
		if _, err := k.Spec(); err == nil {
			return Target{}, fmt.Errorf("raw tracepoint %q not found (no btf_trace_%s in kernel BTF)", t.Event, t.Event)
		}
	}
	return t, nil
}

// rawTracepointProto returns the BTF prototype of a raw tracepoint's
// handler: btf_trace_X is a typedef of a pointer to it. Its first
// parameter is the tracepoint's void *data; the rest are arg0, arg1, ....
func rawTracepointProto(k *Kernel, event string) *btf.FuncProto {
	spec, err := k.Spec()
	if err != nil {
		return nil
	}
	var td *btf.Typedef
	if err := spec.TypeByName("btf_trace_"+event, &td); err != nil {
		return nil
	}
	ptr, ok := btf.UnderlyingType(td).(*btf.Pointer)
	if !ok {
		return nil
	}
	proto, _ := ptr.Target.(*btf.FuncProto)
	return proto
}

// rawTracepointParams lists the arguments from BTF for -lv, as C
// declarations ("struct task_struct * prev"). The btf_trace_X prototype
// has no parameter names; the __bpf_trace_X function (the kernel's BPF
// shim for the event's class, same arguments) has them, so prefer it.
func rawTracepointParams(k *Kernel, name string) []string {
	proto := rawTracepointProto(k, name)
	if spec, err := k.Spec(); err == nil {
		var fn *btf.Func
		if spec.TypeByName("__bpf_trace_"+name, &fn) == nil {
			if p, ok := fn.Type.(*btf.FuncProto); ok && (proto == nil || len(p.Params) == len(proto.Params)) {
				proto = p
			}
		}
	}
	if proto == nil || len(proto.Params) == 0 {
		return nil
	}
	var out []string
	for _, p := range proto.Params[1:] {
		if p.Name == "" {
			out = append(out, cTypeName(p.Type))
		} else {
			out = append(out, cTypeName(p.Type)+" "+p.Name)
		}
	}
	return out
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
