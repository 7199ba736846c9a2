package sema

import (
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// mapName renders a map name for messages: "@x", or "@" for the anonymous map.
func mapName(n string) string { return "@" + n }

// mapInfo returns the map's record in this pass, creating it (seeded from
// pass 1's inference in the final pass) on first reference.
func (c *checker) mapInfo(m *lang.Map) *MapInfo {
	mi := c.info.Maps[m.Name]
	if mi == nil {
		mi = &MapInfo{Name: m.Name}
		if k := c.known[m.Name]; k != nil {
			mi.Key, mi.Arity, mi.Value, mi.Decl, mi.shaped, mi.assigned = k.Key, k.Arity, k.Value, k.Decl, k.shaped, k.assigned
		}
		c.info.Maps[m.Name] = mi
	}
	mi.Uses = append(mi.Uses, m)
	return mi
}

// defined reports whether the map is assigned somewhere in the program.
func (c *checker) defined(name string) bool {
	if !c.final {
		return true
	}
	k := c.known[name]
	return k != nil && k.assigned
}

// checkKeys types the key expressions of m and checks them against the
// map's key type, fixing it on first use. It returns false on a mismatch.
//
// Several keys are one tuple key (bpftrace 0.22+): @m[a, b], @m[(a, b)]
// and @m[$t] with $t = (a, b) all use the same map, so a single key of a
// tuple type with two or more elements is taken element by element. A
// one-element tuple @m[(a,)] stays a tuple key of its own (not @m[a]);
// the empty tuple cannot be a key (a BPF map key has a size).
func (c *checker) checkKeys(m *lang.Map, mi *MapInfo) bool {
	var elems []*lang.Type
	for _, k := range m.Keys {
		t := c.checkExpr(k)
		if t.Kind == lang.KindNone {
			return false
		}
		if !c.validKey(k, t) {
			return false
		}
		if len(m.Keys) == 1 && t.Kind == lang.KindTuple && len(t.Elems) >= 2 {
			for _, e := range t.Elems {
				elems = append(elems, widen(e))
			}
			continue
		}
		elems = append(elems, widen(t))
	}
	return c.unifyKey(m, mi, elems)
}

// validKey reports (and rejects) values that cannot be map keys.
func (c *checker) validKey(k lang.Expr, t *lang.Type) bool {
	switch {
	case isArgs(k) && t.IsPtr():
		// A tracepoint's args is its context record, as bpftrace 0.17
		// says; fentry's and raw tracepoints' args are values.
		c.errorf(k, "context cannot be used as a map key")
		return false
	case t.Kind.IsAggregation():
		c.errorf(k, "%s cannot be used as a map key", t)
		return false
	case t.Kind == lang.KindTuple && len(t.Elems) == 0:
		c.errorf(k, "The empty tuple cannot be used as a map key")
		return false
	}
	return true
}

func isArgs(e lang.Expr) bool {
	b, ok := e.(*lang.Builtin)
	return ok && b.Name == "args"
}

// unifyKey checks a use's key element types against the map's.
func (c *checker) unifyKey(at lang.Node, mi *MapInfo, elems []*lang.Type) bool {
	var key *lang.Type
	switch len(elems) {
	case 0:
	case 1:
		key = elems[0]
	default:
		key = lang.TupleOf(elems...)
	}
	if !mi.shaped {
		if !c.final {
			mi.Key, mi.Arity, mi.shaped = key, len(elems), true
		}
		return true
	}
	if len(elems) == mi.Arity && compatible(mi.Key, key) {
		if !c.final {
			mi.Key = merge(mi.Key, key)
		}
		return true
	}
	c.errorf(at, "Argument mismatch for %s: trying to access with arguments: %s when map expects arguments: %s",
		mapName(mi.Name), keyList(elems), keyList(keyElems(mi)))
	return false
}

func keyElems(mi *MapInfo) []*lang.Type {
	switch {
	case mi.Arity == 0:
		return nil
	case mi.Arity == 1:
		return []*lang.Type{mi.Key}
	}
	return mi.Key.Elems
}

// keyList renders key types as bpftrace does: integers without sign, since
// bpftrace compares integer keys regardless of signedness.
func keyList(ts []*lang.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		if t.Kind == lang.KindInt {
			t = lang.IntType(t.Size, false)
		}
		parts[i] = t.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// widen gives the type a value or key takes in a map: integers are 8 bytes.
func widen(t *lang.Type) *lang.Type {
	switch t.Kind {
	case lang.KindInt:
		if t.Size != 8 {
			return lang.IntType(8, t.Signed)
		}
	case lang.KindTuple:
		elems := make([]*lang.Type, len(t.Elems))
		for i, e := range t.Elems {
			elems[i] = widen(e)
		}
		return lang.TupleOf(elems...)
	}
	return t
}

// compatible reports whether b can be stored where a is: same shape,
// integer sizes and string sizes free (they widen).
func compatible(a, b *lang.Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.IsInt() && b.IsInt() {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case lang.KindStr, lang.KindBuf:
		return true
	case lang.KindTuple:
		if len(a.Elems) != len(b.Elems) {
			return false
		}
		for i := range a.Elems {
			if !compatible(a.Elems[i], b.Elems[i]) {
				return false
			}
		}
		return true
	case lang.KindSum, lang.KindMin, lang.KindMax:
		return true
	}
	return a.Equal(b)
}

// merge combines two compatible types: strings and buffers take the larger
// size, tuples merge element-wise.
func merge(a, b *lang.Type) *lang.Type {
	if a == nil || b == nil {
		return a
	}
	switch {
	case (a.Kind == lang.KindStr || a.Kind == lang.KindBuf) && b.Size > a.Size:
		return b
	case a.Kind == lang.KindTuple && b.Kind == lang.KindTuple:
		elems := make([]*lang.Type, len(a.Elems))
		changed := false
		for i := range a.Elems {
			elems[i] = merge(a.Elems[i], b.Elems[i])
			changed = changed || elems[i] != a.Elems[i]
		}
		if changed {
			return lang.TupleOf(elems...)
		}
	case (a.Kind == lang.KindSum || a.Kind == lang.KindMin || a.Kind == lang.KindMax) && b.Signed && !a.Signed:
		return b
	}
	return a
}

// assignMap records a store of a value of type t into m. A nil t (an
// invalid aggregation call) stores nothing.
func (c *checker) assignMap(m *lang.Map, t *lang.Type) {
	mi := c.mapInfo(m)
	mi.assigned = true
	if !c.checkKeys(m, mi) {
		c.setType(m, lang.None)
		return
	}
	if t == nil || t.Kind == lang.KindNone {
		c.setType(m, lang.None)
		return
	}
	if t.Kind == lang.KindTuple && len(t.Elems) == 0 {
		// A BPF map value has a size.
		c.errorf(m, "The empty tuple cannot be stored in a map")
		c.setType(m, lang.None)
		return
	}
	v := widen(t)
	switch {
	case mi.Value == nil && !c.final:
		mi.Value = v
	case mi.Value != nil && compatible(mi.Value, v):
		if !c.final {
			mi.Value = merge(mi.Value, v)
		}
	case mi.Value != nil:
		c.errorf(m, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'",
			mapName(m.Name), t, mi.Value)
	}
	c.setType(m, mi.Value)
}

// checkMapRead types a read of a map value in an expression.
func (c *checker) checkMapRead(m *lang.Map) *lang.Type {
	mi := c.mapInfo(m)
	if !c.checkKeys(m, mi) {
		return c.setType(m, lang.None)
	}
	if !c.defined(m.Name) {
		c.errorf(m, "Undefined map: %s", mapName(m.Name))
		return c.setType(m, lang.None)
	}
	v := mi.Value
	if v == nil {
		// Pass 1: the map is assigned later in the program. In pass 2 its
		// only assignments depend on itself (@x = (1, @x)): bpftrace calls
		// it undefined.
		if c.final {
			c.errorf(m, "Undefined map: %s", mapName(m.Name))
		}
		return c.setType(m, lang.None)
	}
	switch v.Kind {
	case lang.KindCount:
		return c.setType(m, lang.Uint64)
	case lang.KindSum, lang.KindMin, lang.KindMax:
		return c.setType(m, lang.IntType(8, v.Signed))
	case lang.KindAvg:
		return c.setType(m, lang.Int64)
	case lang.KindStats, lang.KindHist, lang.KindLhist:
		if c.formatArg == m {
			return c.setType(m, v) // checkArg
		}
		c.errorf(m, "The value of %s (%s) can not be read in an expression", mapName(m.Name), v)
		return c.setType(m, lang.None)
	}
	return c.setType(m, v)
}

// checkMapRef types a map passed as a whole (clear, print, delete, ...):
// withKeys validates its keys as an access (delete(@m[k])).
func (c *checker) checkMapRef(m *lang.Map, withKeys bool) *lang.Type {
	mi := c.mapInfo(m)
	if withKeys && m.Keys != nil {
		c.checkKeys(m, mi)
	} else {
		for _, k := range m.Keys {
			c.checkExpr(k)
		}
	}
	if !c.defined(m.Name) {
		c.errorf(m, "Undefined map: %s", mapName(m.Name))
		return c.setType(m, lang.None)
	}
	if mi.Value == nil {
		return c.setType(m, lang.None)
	}
	return c.setType(m, mi.Value)
}

// checkKeyArg checks a key given as a separate argument (has_key(@m, k),
// delete(@m, k)); a tuple stands for several keys.
func (c *checker) checkKeyArg(call *lang.Call, m *lang.Map, k lang.Expr, t *lang.Type) {
	mi := c.info.Maps[m.Name]
	if mi == nil || t.Kind == lang.KindNone {
		return
	}
	if !c.validKey(k, t) {
		return
	}
	var elems []*lang.Type
	if t.Kind == lang.KindTuple && len(t.Elems) >= 2 {
		for _, e := range t.Elems {
			elems = append(elems, widen(e))
		}
	} else {
		elems = []*lang.Type{widen(t)}
	}
	if mi.shaped && mi.Arity == 0 {
		c.errorf(call, "%s() expects a map with keys (%s is a scalar map)", call.Name, mapName(m.Name))
		return
	}
	c.unifyKey(k, mi, elems)
}

// checkUndefinedMaps is a hook for whole-program map checks after pass 2.
func (c *checker) checkUndefinedMaps() {
	for _, d := range c.prog.MapDecls {
		if mi := c.info.Maps[d.Name]; mi == nil {
			c.warnf(d, "Map %s is declared but never used", mapName(d.Name))
		}
	}
}

func (c *checker) checkMapDecl(d *lang.MapDecl) {
	switch d.Kind {
	case "hash", "lruhash", "percpuhash", "percpulruhash", "percpuarray":
	default:
		e := c.errorf(d, "Invalid map type: %s", d.Kind)
		if h := closest(d.Kind, []string{"hash", "lruhash", "percpuhash", "percpulruhash", "percpuarray"}); h != "" {
			e.WithHint("did you mean '%s'?", h)
		}
	}
	if d.Entries <= 0 {
		c.errorf(d, "Map %s must have a positive number of entries (%d given)", mapName(d.Name), d.Entries)
	}
	mi := c.info.Maps[d.Name]
	if mi == nil {
		mi = &MapInfo{Name: d.Name}
		if k := c.known[d.Name]; k != nil {
			mi.Key, mi.Arity, mi.Value, mi.shaped = k.Key, k.Arity, k.Value, k.shaped
		}
		c.info.Maps[d.Name] = mi
	}
	if mi.Decl != nil && mi.Decl != d {
		c.errorf(d, "Map %s is declared twice", mapName(d.Name))
	}
	mi.Decl = d
}
