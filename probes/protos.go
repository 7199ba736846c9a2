package probes

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/gtrace/gtrace/lang"
)

// Protos implements sema.Env: the typed signatures of kernel functions
// (fentry/fexit) and raw tracepoints, from the kernel BTF (5.2+) or, for
// module:name, the module's BTF under /sys/kernel/btf (5.11+).
func (k *Kernel) Protos(p lang.Provider, module, pattern string) ([]*lang.Proto, error) {
	if p == lang.Uprobe {
		return k.uprobeProtos(module, pattern) // from DWARF (dwarf_args.go)
	}
	spec, err := k.moduleSpec(module)
	if err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			return nil, nil // no BTF: args stay untyped
		}
		return nil, err
	}
	names := []string{pattern}
	if HasWildcard(pattern) {
		all, err := k.protoNames(p, module, spec)
		if err != nil {
			return nil, err
		}
		names = names[:0]
		for _, n := range all {
			if Match(pattern, n) {
				names = append(names, n)
			}
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	conv := k.converter(module, spec)
	var out []*lang.Proto
	for _, n := range names {
		var pr *lang.Proto
		if p == lang.RawTracepoint {
			pr = rawTracepointSig(spec, conv, n)
		} else {
			pr = funcSig(spec, conv, n)
		}
		if pr != nil {
			out = append(out, pr)
		}
	}
	return out, nil
}

// protoNames lists the functions (or raw tracepoints) of a BTF object.
func (k *Kernel) protoNames(p lang.Provider, module string, spec *btf.Spec) ([]string, error) {
	if isVmlinux(module) {
		if p == lang.RawTracepoint {
			return k.RawTracepoints()
		}
		return k.BTFFuncs()
	}
	// A module's split BTF iterates over its own types only.
	var out []string
	for t, err := range spec.All() {
		if err != nil {
			return nil, err
		}
		switch v := t.(type) {
		case *btf.Func:
			if p != lang.RawTracepoint {
				out = append(out, v.Name)
			}
		case *btf.Typedef:
			if p == lang.RawTracepoint && strings.HasPrefix(v.Name, "btf_trace_") {
				out = append(out, strings.TrimPrefix(v.Name, "btf_trace_"))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func isVmlinux(module string) bool { return module == "" || module == "vmlinux" }

// moduleSpec returns the BTF of the kernel or of one module (cached).
func (k *Kernel) moduleSpec(module string) (*btf.Spec, error) {
	if isVmlinux(module) {
		return k.Spec()
	}
	if _, err := k.Spec(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.modBTF[module]; ok {
		return s.spec, s.err
	}
	spec, err := btf.LoadKernelModuleSpec(module)
	if err != nil {
		err = fmt.Errorf("module %q: no BTF (is it loaded? /sys/kernel/btf/%s): %w", module, module, err)
	}
	if k.modBTF == nil {
		k.modBTF = map[string]moduleBTF{}
	}
	k.modBTF[module] = moduleBTF{spec, err}
	return spec, err
}

type moduleBTF struct {
	spec *btf.Spec
	err  error
}

// converter returns the type converter of a BTF object; k.mu is held.
func (k *Kernel) converter(module string, spec *btf.Spec) *btfConverter {
	if isVmlinux(module) {
		if k.types == nil {
			k.types = newBTFConverter(spec)
		}
		return k.types
	}
	if k.modTypes == nil {
		k.modTypes = map[string]*btfConverter{}
	}
	c := k.modTypes[module]
	if c == nil {
		c = newBTFConverter(spec)
		k.modTypes[module] = c
	}
	return c
}

// funcSig is the signature of kernel function name, or nil when BTF has
// no such function. Static functions of one name in several compilation
// units share a prototype in practice; the first is taken.
func funcSig(spec *btf.Spec, conv *btfConverter, name string) *lang.Proto {
	fns, err := spec.AnyTypesByName(name)
	if err != nil {
		return nil
	}
	for _, t := range fns {
		if fn, ok := t.(*btf.Func); ok {
			if fp, ok := fn.Type.(*btf.FuncProto); ok {
				return conv.signature(name, fp.Params, fp.Return)
			}
		}
	}
	return nil
}

// rawTracepointSig is the signature of raw tracepoint event: the types of
// the btf_trace_EVENT typedef (a pointer to the handler's prototype),
// named after the parameters of the kernel's own functions of the same
// prototype, which BTF keeps named: __probestub_EVENT (6.4+),
// __traceiter_EVENT, __bpf_trace_EVENT (per event class). The first
// parameter (void *__data) is not part of the event.
func rawTracepointSig(spec *btf.Spec, conv *btfConverter, event string) *lang.Proto {
	proto := btfTraceProto(spec, event)
	for _, prefix := range []string{"__probestub_", "__traceiter_", "__bpf_trace_"} {
		var fn *btf.Func
		if spec.TypeByName(prefix+event, &fn) != nil {
			continue
		}
		if p, ok := fn.Type.(*btf.FuncProto); ok && (proto == nil || len(p.Params) == len(proto.Params)) {
			proto = p
			break
		}
	}
	if proto == nil || len(proto.Params) == 0 {
		return nil
	}
	return conv.signature(event, proto.Params[1:], nil)
}

// btfTraceProto returns the prototype behind the btf_trace_EVENT typedef.
func btfTraceProto(spec *btf.Spec, event string) *btf.FuncProto {
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

// signature lays the parameters out in u64 slots, as a BPF trampoline
// and a raw tracepoint pass them. ret is nil for raw tracepoints.
func (c *btfConverter) signature(name string, params []btf.FuncParam, ret btf.Type) *lang.Proto {
	rec := &lang.Type{Kind: lang.KindRecord, Name: "args", Fields: []*lang.Member{}}
	p := &lang.Proto{Name: name, Args: rec}
	slot := 0
	for i, prm := range params {
		pname := prm.Name
		if pname == "" {
			pname = fmt.Sprintf("arg%d", i)
		}
		t := c.convert(prm.Type, true)
		rec.Fields = append(rec.Fields, &lang.Member{Name: pname, Type: t, Offset: 8 * slot})
		p.ArgNames = append(p.ArgNames, cTypeName(prm.Type)+" "+pname)
		slot += max(1, (btfSize(prm.Type)+7)/8)
	}
	rec.Size = 8 * slot
	if ret != nil {
		if _, void := ret.(*btf.Void); !void {
			p.Ret = c.convert(ret, true)
			p.RetName = cTypeName(ret)
		}
	}
	return p
}
