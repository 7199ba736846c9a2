package probes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// Providers whose targets need no kernel lookup: BEGIN/END, self,
// watchpoints and iterators. (uprobe.go and usdt.go register the
// user-space probes.)
func init() {
	for _, kind := range []lang.Provider{lang.Begin, lang.End} {
		register(&Provider{Kind: kind, Target: func(_ *Kernel, args []string) (Target, error) {
			return Target{Provider: kind, Name: kind.String()}, nil
		}})
	}
	register(&Provider{Kind: lang.SelfProbe, Target: selfTarget})
	for _, kind := range []lang.Provider{lang.Watchpoint, lang.AsyncWatchpoint} {
		register(&Provider{Kind: kind, Target: watchTarget(kind), Expand: watchExpand(kind), Attach: attachWatch})
	}
	register(&Provider{
		Kind:   lang.Iter,
		Names:  func(*Kernel) ([]string, error) { return iterNames, nil },
		Split:  func(n string) []string { return []string{n} },
		Target: iterTarget,
		Params: func(_ *Kernel, name string) []string { return iterParams[name] },
		Listed: func(*Kernel) bool { return true },
	})
}

// selfTarget: self:signal:SIGUSR1 (bpftrace 0.22+), handled in user space.
func selfTarget(_ *Kernel, args []string) (Target, error) {
	if args[0] != "signal" || args[1] != "SIGUSR1" {
		return Target{}, errors.New("the only self probe is self:signal:SIGUSR1")
	}
	return Target{Provider: lang.SelfProbe, Name: probeName(lang.SelfProbe, args...), Event: args[1]}, nil
}

// watchExpand allows a wildcard only in the function of FUNC+argN
// (watchpoint:increment_*+arg0:4:w): the functions are matched in the
// traced binary when attaching, which for -c is known only then.
func watchExpand(kind lang.Provider) func(*Kernel, []string) ([]Target, error) {
	return func(k *Kernel, args []string) ([]Target, error) {
		fn, _, isFunc := strings.Cut(args[0], "+arg")
		if HasWildcard(args[1]) || HasWildcard(args[2]) || HasWildcard(args[0]) && (!isFunc || HasWildcard(strings.TrimPrefix(args[0], fn))) {
			return nil, fmt.Errorf("%s probes do not support wildcards but in FUNC of FUNC+argN", kind)
		}
		t, err := watchTarget(kind)(k, args)
		if err != nil {
			return nil, err
		}
		return []Target{t}, nil
	}
}

// watchTarget: watchpoint:ADDR:LEN:MODE, a hardware breakpoint
// (PERF_TYPE_BREAKPOINT). asyncwatchpoint takes fn+argN as the address.
func watchTarget(kind lang.Provider) func(*Kernel, []string) (Target, error) {
	return func(_ *Kernel, args []string) (Target, error) {
		t := Target{Provider: kind, Name: probeName(kind, args...)}
		if fn, arg, ok := strings.Cut(args[0], "+arg"); ok {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 || fn == "" {
				return Target{}, fmt.Errorf("bad watchpoint address %q: want ADDR or FUNC+argN", args[0])
			}
			t.Func, t.Offset = fn, uint64(n)
		} else {
			if kind == lang.AsyncWatchpoint {
				return Target{}, errors.New("asyncwatchpoint requires a function name")
			}
			a, err := strconv.ParseUint(args[0], 0, 64)
			if err != nil {
				return Target{}, fmt.Errorf("bad watchpoint address %q", args[0])
			}
			t.Addr = a
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || (n != 1 && n != 2 && n != 4 && n != 8) {
			return Target{}, fmt.Errorf("watchpoint length must be 1, 2, 4 or 8, not %q", args[1])
		}
		mode := args[2]
		var canon strings.Builder
		for _, c := range "rwx" {
			if strings.Count(mode, string(c)) > 1 {
				return Target{}, fmt.Errorf("watchpoint mode %q repeats %c", mode, c)
			}
			if strings.ContainsRune(mode, c) {
				canon.WriteRune(c)
			}
		}
		if mode == "" || canon.Len() != len(mode) {
			return Target{}, fmt.Errorf("watchpoint mode %q must be made of r, w and x", mode)
		}
		if strings.Contains(mode, "x") && len(mode) > 1 {
			return Target{}, errors.New("watchpoint mode x cannot be combined with r or w")
		}
		t.Watch = &Watchpoint{Len: n, Mode: canon.String()}
		return t, nil
	}
}

// BPF iterators (5.8+). -l lists bpftrace 0.17's two (task, task_file);
// task_vma (bpftrace 0.18) is accepted too.
var iterNames = []string{"task", "task_file"}

var iterKnown = []string{"task", "task_file", "task_vma"}

var iterParams = map[string][]string{
	"task":      {"struct task_struct * task"},
	"task_file": {"struct task_struct * task", "int fd", "struct file * file"},
	"task_vma":  {"struct task_struct * task", "struct vm_area_struct * vma"},
}

func iterTarget(_ *Kernel, args []string) (Target, error) {
	for _, n := range iterKnown {
		if n == args[0] {
			t := Target{Provider: lang.Iter, Name: probeName(lang.Iter, args...), Event: n}
			if len(args) == 2 {
				t.Path = args[1] // pin path
			}
			return t, nil
		}
	}
	return Target{}, fmt.Errorf("unknown iterator %q (known: %s)", args[0], strings.Join(iterKnown, ", "))
}
