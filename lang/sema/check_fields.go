package sema

import (
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// Struct and union access: fields through pointers and values (kernel
// records from BTF through the Env, tracepoint args, script structs), the
// address space they live in, sizeof and offsetof.

// checkField checks `x.f` and `x->f`. `.` also works through a pointer
// (current bpftrace dereferences automatically), so `args.f` and `args->f`
// are both valid; `->` needs a pointer.
func (c *checker) checkField(e *lang.Field) *lang.Type {
	x := c.checkExpr(e.X)
	if x.Kind == lang.KindNone {
		return lang.None
	}
	if x == unknown {
		return unknown
	}
	rec := x
	if x.IsPtr() {
		rec = x.Elem
	} else if e.Arrow && x.Kind == lang.KindRecord && !isArgs(e.X) {
		// bpftrace reads x->f as (*x).f, hence the dereference wording.
		c.errorf(e, "Can not dereference struct/union of type '%s'. It is not a pointer.", x)
		return lang.None
	}
	if rec == nil || rec.Kind != lang.KindRecord {
		c.errorf(e, "Can not access field '%s' on expression of type '%s'", e.Name, x)
		return lang.None
	}
	if b, ok := e.X.(*lang.Builtin); ok && b.Name == "args" && len(c.tpArgs) > 1 {
		return c.tracepointField(e)
	}
	return c.inUser(x, c.member(e, rec, e.Name))
}

// inUser marks t, reached through container x, as user memory when x is:
// a pointer loaded from a user struct points into the same process.
func (c *checker) inUser(x, t *lang.Type) *lang.Type {
	if x.User {
		return lang.InUser(t)
	}
	return t
}

// userProbe reports whether the clause probes user space only (uprobe,
// uretprobe, usdt), where casts to pointers name process memory.
func (c *checker) userProbe() bool {
	if c.probe == nil || len(c.probe.Providers) == 0 {
		return false
	}
	for _, p := range c.probe.Providers {
		if p != lang.Uprobe && p != lang.Uretprobe && p != lang.USDT {
			return false
		}
	}
	return true
}

// member looks a field up in a record, resolving records known only by
// name. Records with unknown fields (opaque) yield uint64 for any name.
func (c *checker) member(at lang.Node, rec *lang.Type, name string) *lang.Type {
	if rec.Fields == nil {
		if full := c.lookupRecord(rec.Name); full != nil {
			rec = full
		}
	}
	if rec.Fields == nil {
		if c.opts.Env != NoKernel && rec.Name != "" {
			// Declared (a forward declaration, a pointer target) but
			// its members are known neither to BTF nor to the script.
			c.errorf(at, "Unknown struct/union: '%s'", rec.Name)
			return lang.None
		}
		return unknown
	}
	m := rec.Member(name)
	if m == nil {
		d := c.errorf(at, "Struct/union of type '%s' does not contain a field named '%s'", rec.Name, name)
		names := make([]string, len(rec.Fields))
		for i, f := range rec.Fields {
			names[i] = f.Name
		}
		if h := closest(name, names); h != "" {
			d.WithHint("did you mean '%s'?", h)
		}
		return lang.None
	}
	if f, ok := at.(*lang.Field); ok {
		c.info.Fields[f] = m
	}
	if m.DataLoc && m.Type.Kind == lang.KindStr && m.Type.Size == 0 {
		// A __data_loc char[] (its length is in the locator): read as a
		// string of the string size limit.
		return lang.StrType(c.opts.MaxStrlen)
	}
	return m.Type
}

// tracepointField checks args.f against every tracepoint a wildcard
// matched: the field must exist in all of them.
func (c *checker) tracepointField(e *lang.Field) *lang.Type {
	var first *lang.Type
	for _, rec := range c.tpArgs {
		if rec == nil {
			continue
		}
		t := c.member(e, rec, e.Name)
		if t.Kind == lang.KindNone {
			return lang.None
		}
		if first == nil {
			first = t
		}
	}
	if first == nil {
		return unknown
	}
	return first
}

// unknownRecord returns the name of the struct or union te names when
// neither the script nor the kernel defines it, else "". Without a kernel
// every record is taken as opaque, so none is unknown.
func (c *checker) unknownRecord(te *lang.TypeExpr) string {
	if te == nil || c.opts.Env == NoKernel {
		return ""
	}
	name := strings.Join(strings.Fields(te.Name), " ")
	name = strings.TrimPrefix(strings.TrimPrefix(name, "const "), "volatile ")
	if !strings.HasPrefix(name, "struct ") && !strings.HasPrefix(name, "union ") || c.lookupRecord(name) != nil {
		return ""
	}
	return name
}

func (c *checker) checkSizeof(e *lang.Sizeof) *lang.Type {
	var t *lang.Type
	if name := c.unknownRecord(e.Type); name != "" && e.Type.Ptr == 0 {
		// bpftrace 0.17 words an unknown record in sizeof as an identifier.
		c.errorf(e, "Unknown identifier: '%s'", name)
		return lang.None
	}
	if e.Type != nil {
		t = c.resolveTypeExpr(e.Type)
	} else {
		t = c.checkExpr(e.X)
	}
	if t.Kind == lang.KindNone {
		return lang.None
	}
	c.info.Consts[e] = int64(t.Size)
	return lang.Uint64
}

func (c *checker) checkOffsetof(e *lang.Offsetof) *lang.Type {
	t := c.resolveTypeExpr(e.Type)
	if t.Kind == lang.KindNone {
		return lang.None
	}
	off := 0
	for _, name := range e.Field {
		if t.Kind != lang.KindRecord {
			c.errorf(e, "offsetof: '%s' is not a struct or union", t)
			return lang.None
		}
		if t.Fields == nil {
			if full := c.lookupRecord(t.Name); full != nil {
				t = full
			}
		}
		if t.Fields == nil {
			// An opaque record (no kernel facts): the offset is unknown.
			return lang.Uint64
		}
		m := t.Member(name)
		if m == nil {
			c.errorf(e, "Struct/union of type '%s' does not contain a field named '%s'", t.Name, name)
			return lang.None
		}
		off += m.Offset
		t = m.Type
	}
	c.info.Consts[e] = int64(off)
	return lang.Uint64
}
