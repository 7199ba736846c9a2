package probes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
)

func init() {
	for _, kind := range []lang.Provider{lang.Kprobe, lang.Kretprobe} {
		register(&Provider{
			Kind:   kind,
			Names:  (*Kernel).KernelFuncs,
			Split:  func(n string) []string { return []string{n} },
			Target: kprobeTarget(kind),
			Attach: attachKprobe,
			Params: kprobeParams(kind),
			// Listed only where kprobes work: a list of functions that
			// cannot be probed would mislead.
			Listed: func(*Kernel) bool { return kind == lang.Kprobe && haveKprobes() },
			// Handlers of one kprobe run newest first; kretprobes in
			// order (bpftrace attaches them so).
			NewestFirst: kind == lang.Kprobe,
		})
	}
}

// haveKprobes reports whether the kernel can create kprobes: the perf
// kprobe PMU (4.17+) or the legacy kprobe_events file (CONFIG_KPROBES).
func haveKprobes() bool {
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe"); err == nil {
		return true
	}
	if d := FindTracefs(); d != "" {
		if _, err := os.Stat(filepath.Join(d, "kprobe_events")); err == nil {
			return true
		}
	}
	return false
}

// kprobeTarget handles kprobe:fn, kprobe:fn+off and kprobe:module:fn
// (module form: bpftrace 0.20+).
func kprobeTarget(kind lang.Provider) func(*Kernel, []string) (Target, error) {
	return func(k *Kernel, args []string) (Target, error) {
		t := Target{Provider: kind, Name: probeName(kind, args...)}
		fn := args[len(args)-1]
		if len(args) == 2 {
			t.Category = args[0]
		}
		if base, off, ok := strings.Cut(fn, "+"); ok {
			if kind == lang.Kretprobe {
				return Target{}, errors.New("kretprobe does not take an offset")
			}
			n, err := strconv.ParseUint(off, 0, 64)
			if err != nil {
				return Target{}, fmt.Errorf("bad offset %q in %s", off, fn)
			}
			fn, t.Offset = base, n
		}
		if fn == "" {
			return Target{}, errors.New("missing function name")
		}
		if !k.kernelFuncMayExist(fn) {
			return Target{}, missing(fmt.Errorf("kernel function %s not found or not traceable (not in available_filter_functions, or /proc/kallsyms when that is unreadable)", fn))
		}
		t.Func = fn
		return t, nil
	}
}

// kernelFuncMayExist reports whether fn is a kernel function a kprobe may
// attach to, as far as this machine tells, by the list KernelFuncs reads:
// available_filter_functions when it is readable, else the text symbols
// of kallsyms. available_filter_functions is authoritative, as bpftrace
// takes it (is_traceable_func): a function kallsyms lists but ftrace does
// not (Debian 6.12's blk_account_io_start, a 't' symbol the kernel then
// refuses to kprobe) is missing. A kernel renames and inlines functions
// between versions (blk_account_io_start became __blk_account_io_start,
// then went back), so tools list both names and the one that is not here
// must be found out before loading. When no list can be read, fn may
// exist.
func (k *Kernel) kernelFuncMayExist(fn string) bool {
	fns, err := k.KernelFuncs()
	if err != nil || len(fns) == 0 {
		return true
	}
	_, ok := slices.BinarySearch(fns, fn)
	return ok
}

// KernelFuncs returns the kernel functions that kprobes can use, sorted and
// without module suffixes: available_filter_functions when it is readable
// (root, 4.x+ tracefs), else the text symbols of /proc/kallsyms.
func (k *Kernel) KernelFuncs() ([]string, error) { return k.cached().kernelFuncs() }

func (k *Kernel) readKernelFuncs() ([]string, error) {
	if dir, err := k.Tracefs(); err == nil {
		if data, err := os.ReadFile(filepath.Join(dir, "available_filter_functions")); err == nil {
			return parseFilterFunctions(data), nil
		}
	}
	syms, err := k.Kallsyms().Syms()
	if err != nil {
		return nil, fmt.Errorf("list kernel functions: %w", err)
	}
	return kallsymsFuncs(syms), nil
}

// Kallsyms returns the kernel symbol table, read once per Kernel on first
// use: kprobe lists, kaddr() and the runtime's ksym and kstack share it.
func (k *Kernel) Kallsyms() *symbols.Kallsyms { return k.cached().kallsyms }

// parseFilterFunctions reads "name" or "name [module]" lines.
func parseFilterFunctions(data []byte) []string {
	var out []string
	for _, l := range trimLines(data) {
		name, _, _ := strings.Cut(l, " ")
		// .part.N clones cannot be traced by name (bpftrace skips them).
		if !strings.Contains(name, ".part.") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// kallsymsFuncs keeps text symbols ('t'/'T') the way available_filter_functions
// lists them: specialised clones (.isra.N, .constprop.N) stay, since tools
// name them (finish_task_switch.isra.0); .part.N pieces (not traceable, as
// bpftrace skips them), .cold blocks (no function entry) and the
// __pfx_/__cfi_ padding symbols go.
func kallsymsFuncs(syms []symbols.KSym) []string {
	var out []string
	for _, s := range syms {
		name := s.Name
		if !s.Text() || strings.Contains(name, ".part.") || strings.HasSuffix(name, ".cold") || strings.Contains(name, ".cold.") ||
			strings.HasPrefix(name, "__pfx_") || strings.HasPrefix(name, "__cfi_") {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// kprobeParams lists, for -lv, what a kprobe sees of a function with BTF,
// as bpftrace 0.26: "struct file * arg0" per register argument (floating
// point ones travel in other registers and are skipped), and for a
// kretprobe "ssize_t retval" (or "void").
func kprobeParams(kind lang.Provider) func(*Kernel, string) []string {
	return func(k *Kernel, name string) []string {
		spec, err := k.Spec()
		if err != nil {
			return nil
		}
		var fn *btf.Func
		for _, t := range anyTypes(spec, name) {
			if f, ok := t.(*btf.Func); ok {
				fn = f
				break
			}
		}
		if fn == nil {
			return nil
		}
		fp, ok := fn.Type.(*btf.FuncProto)
		if !ok {
			return nil
		}
		if kind == lang.Kretprobe {
			if _, void := fp.Return.(*btf.Void); void || fp.Return == nil {
				return []string{"void"}
			}
			return []string{cTypeName(fp.Return) + " retval"}
		}
		var out []string
		for _, p := range fp.Params {
			if _, float := btf.UnderlyingType(p.Type).(*btf.Float); float {
				continue
			}
			out = append(out, fmt.Sprintf("%s arg%d", cTypeName(p.Type), len(out)))
		}
		return out
	}
}

func anyTypes(spec *btf.Spec, name string) []btf.Type {
	ts, _ := spec.AnyTypesByName(name)
	return ts
}
