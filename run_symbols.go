package gtrace

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/output"
)

// resolve turns the raw values the decoder leaves to the runtime into
// what prints: stacks into frames, kernel addresses into symbols, user ids
// into names, errnos into messages, user addresses into symbols of the
// process they were taken in.
func (r *runner) resolve(t *lang.Type, v output.Value) output.Value {
	r.resolveInPlace(t, &v)
	return v
}

// resolveInPlace is resolve on the value v points to, so that the values
// that need nothing (most printf arguments, decoded for every event) are
// not copied.
func (r *runner) resolveInPlace(t *lang.Type, v *output.Value) {
	switch v.Kind {
	case lang.KindKStack, lang.KindUStack:
		*v = r.stack(t, *v)
	case lang.KindKsym:
		r.warnHiddenKallsyms()
		if name, _, ok := r.opts.Kernel.Kallsyms().Lookup(v.Int); ok {
			*v = output.Ksym(name, v.Int)
		} else {
			*v = output.Ksym("", v.Int)
		}
	case lang.KindUsym:
		// The value carries the pid of the process it was taken in
		// (codegen.UsymAddrBits): resolved there, as bpftrace does.
		pid, addr := v.Int>>codegen.UsymAddrBits, v.Int&(1<<codegen.UsymAddrBits-1)
		sym := ""
		if pid != 0 {
			sym, _, _, _ = r.usyms.lookup(uint32(pid), addr)
		}
		*v = output.Usym(sym, addr)
	case lang.KindUsername:
		*v = output.TextOf(lang.KindUsername, r.userName(v.Int))
	case lang.KindStrerror:
		*v = output.TextOf(lang.KindStrerror, strerror(v.Int))
	case lang.KindCgroupPath:
		filter := ""
		if t != nil {
			filter = t.CgroupFilter
		}
		*v = output.TextOf(lang.KindCgroupPath, r.cgroups.path(v.Int, filter))
	case lang.KindTimestamp:
		*v = output.TextOf(lang.KindTimestamp, r.timestamp(v.Total, v.Int))
	case lang.KindTuple, lang.KindArray, lang.KindRecord:
		for i := range v.Elems {
			var et *lang.Type
			switch {
			case t == nil:
			case t.Kind == lang.KindTuple && i < len(t.Elems):
				et = t.Elems[i]
			case t.Kind == lang.KindArray:
				et = t.Elem
			case t.Kind == lang.KindRecord && i < len(t.Fields):
				et = t.Fields[i].Type
			}
			r.resolveInPlace(et, &v.Elems[i])
		}
	}
}

// resolvesNothing reports whether resolveInPlace leaves every value of
// type t as the decoder made it: such values can be decoded at any time,
// even after the run (lazy maps), with the same result. It follows the
// kinds resolveInPlace handles.
func resolvesNothing(t *lang.Type) bool {
	if t == nil {
		return true
	}
	switch t.Kind {
	case lang.KindKStack, lang.KindUStack, lang.KindKsym, lang.KindUsym, lang.KindUsername,
		lang.KindStrerror, lang.KindCgroupPath, lang.KindTimestamp:
		return false
	case lang.KindTuple:
		for _, e := range t.Elems {
			if !resolvesNothing(e) {
				return false
			}
		}
	case lang.KindArray:
		return resolvesNothing(t.Elem)
	case lang.KindRecord:
		for _, f := range t.Fields {
			if !resolvesNothing(f.Type) {
				return false
			}
		}
	}
	return true
}

// stack reads a stack's frames from its stack-trace map.
func (r *runner) stack(t *lang.Type, v output.Value) output.Value {
	user := v.Kind == lang.KindUStack
	mode := output.StackBpftrace
	depth := 0
	if t != nil {
		depth = t.StackDepth
		switch t.StackMode {
		case "perf":
			mode = output.StackPerf
		case "raw":
			mode = output.StackRaw
		}
	}
	st := &output.Stack{User: user, Mode: mode}
	out := output.Value{Kind: v.Kind, Stack: st}
	id, pid, ok := maps.StackID(v.Int)
	m := r.stackMap(user, depth)
	if !ok || m == nil {
		return out
	}
	addrs := make([]uint64, m.ValueSize()/8)
	if err := m.Lookup(id, &addrs); err != nil {
		return out
	}
	for _, a := range addrs {
		if a == 0 {
			break
		}
		f := output.Frame{Addr: a}
		if user {
			f.Sym, f.Off, f.Module, f.Mapping = r.usyms.lookup(pid, a)
		} else {
			r.warnHiddenKallsyms()
			f.Sym, f.Off, _ = r.opts.Kernel.Kallsyms().Lookup(a)
			f.Mapping = r.kernelMapping()
		}
		st.Frames = append(st.Frames, f)
	}
	return out
}

// readKernelMapping is the kernel as the mapping of its frames, by perf's
// name for it and with its build id (pprof profiles carry both), and its
// extent: from the lowest to past the highest text symbol (modules
// included), so every kernel frame falls inside it.
func (r *runner) readKernelMapping() *output.Mapping {
	m := &output.Mapping{File: "[kernel.kallsyms]", BuildID: symbols.KernelBuildID()}
	syms, _ := r.opts.Kernel.Kallsyms().Syms()
	for _, ks := range syms {
		if !ks.Text() || ks.Addr == 0 {
			continue
		}
		if m.Start == 0 || ks.Addr < m.Start {
			m.Start = ks.Addr
		}
		m.Limit = max(m.Limit, ks.Addr+1)
	}
	return m
}

// stackMap finds the stack-trace map of a stack type: the one of that
// depth, preferring a name that says kernel or user.
func (r *runner) stackMap(user bool, depth int) *ebpf.Map {
	want := "kstack"
	if user {
		want = "ustack"
	}
	var best *codegen.StackMap
	for _, sm := range r.prog.Stacks {
		if depth != 0 && sm.Depth != depth {
			continue
		}
		if best == nil || strings.Contains(sm.Name, want) {
			best = sm
		}
	}
	if best == nil {
		return nil
	}
	return r.objs.coll.Maps[best.Name]
}

func (r *runner) userName(uid uint64) string {
	if name, ok := r.users()[uid]; ok {
		return name
	}
	return strconv.FormatUint(uid, 10)
}

// readPasswd maps uids to names without cgo or NSS: the names bpftrace
// prints come from the same file on the systems it runs on.
func readPasswd(path string) map[uint64]string {
	users := map[uint64]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return users
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		if uid, err := strconv.ParseUint(f[2], 10, 32); err == nil {
			if _, dup := users[uid]; !dup {
				users[uid] = f[0]
			}
		}
	}
	return users
}

// strerror is glibc's message for an errno (Go's table, capitalised).
func strerror(errno uint64) string {
	s := syscall.Errno(errno).Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// warnHiddenKallsyms says once, when kernel addresses are to be named and
// the kernel hides its symbols from gtrace, why they print as addresses.
func (r *runner) warnHiddenKallsyms() {
	r.kallsymsWarned.Do(func() {
		if r.opts.Kernel.Kallsyms().Hidden() && !r.opts.NoWarnings {
			fmt.Fprintf(r.opts.Stderr, "WARNING: kernel addresses print without names: %s\n", symbols.HiddenHint)
		}
	})
}
