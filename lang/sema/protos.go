package sema

import "github.com/gtrace/gtrace/lang"

// clauseProtos holds the BTF signatures of a clause's fentry, fexit and
// raw tracepoint targets. They are resolved through the Env on the first
// use of `args` or `retval`, since a wildcard (fentry:vfs_*) may match
// thousands of functions that a clause without args never needs typed.
type clauseProtos struct {
	probe *ProbeInfo
	list  []*lang.Proto
	mixed bool // the targets disagree on their arguments (reported)
}

// protoProvider reports whether a provider's args come from a BTF
// signature (or, for uprobes, the binary's DWARF).
func protoProvider(p lang.Provider) bool {
	return p == lang.Fentry || p == lang.Fexit || p == lang.RawTracepoint || p == lang.Uprobe
}

// clauseProtos returns the signatures of the current clause, nil when it
// has no fentry/fexit/raw tracepoint attach point. Every target must take
// the same arguments (one `args` type serves the clause), as bpftrace
// requires: otherwise "Probe has attach points with mixed arguments".
func (c *checker) clauseProtos() *clauseProtos {
	if c.protos != nil && c.protos.probe == c.probe {
		return c.protos
	}
	cp := &clauseProtos{probe: c.probe}
	c.protos = cp
	any := false
	for _, ap := range c.probe.Probe.Attach {
		if !protoProvider(ap.Provider) || len(ap.Args) == 0 {
			continue
		}
		any = true
		module, name := "", ap.Args[len(ap.Args)-1]
		if len(ap.Args) > 1 {
			module = ap.Args[0] // a kernel module; a uprobe's binary
		}
		ps, err := c.opts.Env.Protos(ap.Provider, module, name)
		if err != nil {
			c.errorf(ap, "%s", err)
			continue
		}
		if len(ps) == 0 && ap.Provider == lang.Uprobe && c.opts.Env != NoKernel && !cp.mixed {
			c.errorf(ap, "args: no DWARF debug information for %s in %s", name, module).
				WithHint("build the binary with -g, or read the registers with arg0..argN")
			cp.mixed = true // reported: args is not typed further
			continue
		}
		for _, p := range ps {
			if len(cp.list) > 0 && !cp.mixed && !sameRecord(cp.list[0].Args, p.Args) {
				c.errorf(ap, "Probe has attach points with mixed arguments").
					WithHint("%s and %s take different arguments", cp.list[0].Name, p.Name)
				cp.mixed = true
			}
			cp.list = append(cp.list, p)
		}
	}
	if !any {
		return nil
	}
	if len(cp.list) > 0 && len(c.tpArgs) > 0 && !cp.mixed {
		c.errorf(c.probe.Probe.Attach[0], "Probe has attach points with mixed arguments").
			WithHint("tracepoint args are a format record, %s args a function's parameters", cp.list[0].Name)
		cp.mixed = true
	}
	return cp
}

// sameRecord reports whether two args records have the same members at
// the same places with the same types.
func sameRecord(a, b *lang.Type) bool {
	if len(a.Fields) != len(b.Fields) || a.Size != b.Size {
		return false
	}
	for i, f := range a.Fields {
		g := b.Fields[i]
		if f.Name != g.Name || f.Offset != g.Offset || !sameType(f.Type, g.Type) {
			return false
		}
	}
	return true
}

// sameType compares types down to integer sizes and record names (Equal
// lets sizes differ, which map values may, but loads may not).
func sameType(a, b *lang.Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b) && a.Size == b.Size && a.Signed == b.Signed && a.Name == b.Name &&
		(a.Elem == nil) == (b.Elem == nil) && (a.Elem == nil || sameType(a.Elem, b.Elem))
}

// protoArgs is the type of `args` in a clause with BTF signatures: the
// record of the arguments as a value, as bpftrace 0.26 has it (print(args)
// prints "{ .file = ..., .count = ... }", it can be a map key or value);
// both args.f and args->f reach its fields.
func (c *checker) protoArgs() (*lang.Type, bool) {
	cp := c.clauseProtos()
	if cp == nil || len(cp.list) == 0 {
		return nil, false
	}
	return cp.list[0].Args, true
}

// fexitRetval types fexit's retval from the function's return type;
// without BTF it stays unknown.
func (c *checker) fexitRetval(b *lang.Builtin) *lang.Type {
	cp := c.clauseProtos()
	if cp == nil || len(cp.list) == 0 {
		return unknown
	}
	first := cp.list[0]
	for _, p := range cp.list[1:] {
		if !sameType(p.Ret, first.Ret) {
			c.errorf(b, "retval: %s and %s return different types", first.Name, p.Name)
			return lang.None
		}
	}
	if first.Ret == nil {
		c.errorf(b, "retval: %s returns void", first.Name)
		return lang.None
	}
	return first.Ret
}
