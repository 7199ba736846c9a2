package sema

import (
	"github.com/gtrace/gtrace/lang"
)

// checkProbe checks one clause: its attach points, predicate and body.
func (c *checker) checkProbe(p *lang.Probe) {
	pi := &ProbeInfo{Probe: p, Builtins: map[string]bool{}, Vars: map[string]*lang.Type{}}
	c.probe = pi
	c.tpArgs = nil
	c.loops = 0
	c.info.Probes = append(c.info.Probes, pi)
	seen := map[lang.Provider]bool{}
	for _, ap := range p.Attach {
		if !seen[ap.Provider] {
			seen[ap.Provider] = true
			pi.Providers = append(pi.Providers, ap.Provider)
		}
		pi.Tracepoints = append(pi.Tracepoints, c.expandTracepoint(ap))
	}
	if len(pi.Providers) == 0 {
		// The parser never yields a clause without attach points; be
		// robust for hand-built trees.
		pi.Providers = []lang.Provider{lang.Begin}
	}
	if p.Pred != nil {
		t := c.checkExpr(p.Pred)
		if t.Kind != lang.KindNone && !t.IsInt() && !t.IsPtr() {
			c.errorf(p.Pred, "Invalid type for predicate: %s", typeClass(t))
		}
	}
	if p.Body != nil {
		c.checkBlock(p.Body)
	}
}

// expandTracepoint resolves a tracepoint attach point through the Env and
// records the args record of every match.
func (c *checker) expandTracepoint(ap *lang.AttachPoint) []string {
	if ap.Provider != lang.Tracepoint || len(ap.Args) != 2 {
		return nil
	}
	cat, ev := ap.Args[0], ap.Args[1]
	names, err := c.opts.Env.Tracepoints(cat, ev)
	if err != nil {
		c.errorf(ap, "%s", err)
		return nil
	}
	if len(names) == 0 {
		c.errorf(ap, "tracepoint not found: %s:%s", cat, ev)
		return nil
	}
	for _, n := range names {
		nc, ne, _ := cutColon(n)
		t, err := c.opts.Env.TracepointArgs(nc, ne)
		if err != nil {
			c.errorf(ap, "%s", err)
		}
		c.tpArgs = append(c.tpArgs, t)
	}
	return names
}

func cutColon(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (c *checker) checkBlock(b *lang.Block) {
	for _, s := range b.Stmts {
		c.checkStmt(s)
	}
}

func (c *checker) checkStmt(s lang.Stmt) {
	switch s := s.(type) {
	case *lang.Block:
		c.checkBlock(s)
	case *lang.ExprStmt:
		c.checkExprUse(s.X, useStmt)
	case *lang.AssignStmt:
		c.checkAssign(s)
	case *lang.LetStmt:
		c.checkLet(s)
	case *lang.IfStmt:
		c.checkCond(s.Cond, "if()", s.Cond)
		c.checkBlock(s.Then)
		if s.Else != nil {
			c.checkStmt(s.Else)
		}
	case *lang.UnrollStmt:
		c.checkExpr(s.Count)
		// Point at `unroll(N)`, not at the whole body.
		head := s.Span
		head.End = s.Count.SpanOf().End
		head.End.Col++
		head.End.Offset++
		if v, ok := c.constOf(s.Count); !ok {
			c.errorAt(head, "invalid unroll value")
		} else if v > 100 {
			c.errorAt(head, "unroll maximum value is 100")
		} else if v < 1 {
			c.errorAt(head, "unroll minimum value is 1")
		}
		// unroll repeats its body; it is no loop of its own, so break and
		// continue in it act on the enclosing while or for, as in
		// bpftrace 0.17 (and are refused outside one).
		c.checkBlock(s.Body)
	case *lang.WhileStmt:
		c.checkCond(s.Cond, "while()", s.Cond)
		c.loop(s.Body)
	case *lang.ForStmt:
		c.checkFor(s)
	case *lang.JumpStmt:
		if s.Kind != lang.Return && c.loops == 0 {
			c.errorf(s, "%s used outside of a loop", s.Kind)
		}
	case nil:
	default:
		panic("BUG: sema: unknown statement type")
	}
}

func (c *checker) loop(b *lang.Block) {
	c.loops++
	c.checkBlock(b)
	c.loops--
}

// checkCond checks the condition e of an if, a while or a ternary; a bad
// one is reported at `at` (bpftrace 0.17 underlines a whole ternary).
func (c *checker) checkCond(e lang.Expr, what string, at lang.Node) {
	t := c.checkExpr(e)
	if t.Kind != lang.KindNone && !t.IsInt() && !t.IsPtr() {
		c.errorf(at, "Invalid condition in %s: %s", what, typeClass(t))
	}
}

func (c *checker) checkFor(s *lang.ForStmt) {
	var vt *lang.Type
	switch {
	case s.Range != nil:
		lo, hi := c.checkExpr(s.Range.Lo), c.checkExpr(s.Range.Hi)
		for _, p := range []struct {
			e lang.Expr
			t *lang.Type
		}{{s.Range.Lo, lo}, {s.Range.Hi, hi}} {
			if p.t.Kind != lang.KindNone && !p.t.IsInt() {
				c.errorf(p.e, "Loop range requires an integer (%s provided)", typeClass(p.t))
			}
		}
		vt = lang.Int64
		if lo.IsInt() && hi.IsInt() && !lo.Signed && !hi.Signed {
			vt = lang.Uint64
		}
	case s.Map != nil:
		v := c.checkMapRef(s.Map, false)
		if s.Map.Keys != nil {
			c.errorf(s.Map, "The map passed to a for loop should not be indexed by a key")
		}
		mi := c.info.Maps[s.Map.Name]
		switch {
		case v.Kind == lang.KindNone:
		case mi.shaped && mi.Arity == 0:
			c.errorf(s.Map, "Loop expression does not support type: scalar map %s (it has no keys)", mapName(s.Map.Name))
		default:
			vt = lang.TupleOf(mi.Key, readType(v))
		}
	}
	if vt == nil {
		vt = lang.None
	}
	c.probe.Vars[s.Var.Name] = vt
	c.setType(s.Var, vt)
	c.loop(s.Body)
}

// readType is the type a map value has when read: aggregations of single
// numbers read as integers.
func readType(v *lang.Type) *lang.Type {
	switch v.Kind {
	case lang.KindCount:
		return lang.Uint64
	case lang.KindSum, lang.KindMin, lang.KindMax:
		return lang.IntType(8, v.Signed)
	case lang.KindAvg:
		return lang.Int64
	}
	return v
}

// checkAssign checks `target op= value` for maps and scratch variables.
func (c *checker) checkAssign(s *lang.AssignStmt) {
	if s.Op != lang.OpAssign {
		c.checkCompound(s)
		return
	}
	switch t := s.Target.(type) {
	case *lang.Map:
		v := c.checkExprUse(s.Value, useMapValue)
		if v != nil && v.Kind == lang.KindNone {
			// The value's own error was reported; keep the map untyped here.
			c.mapInfo(t).assigned = true
			c.setType(t, lang.None)
			for _, k := range t.Keys {
				c.checkExpr(k)
			}
			return
		}
		mi := c.mapInfo(t)
		if old := mi.Value; old != nil && old.Kind == lang.KindTuple && v.Kind == lang.KindTuple && !compatible(old, widen(v)) {
			// bpftrace 0.17's words and place (the "="), as for variables.
			mi.assigned = true
			c.checkKeys(t, mi)
			c.errorAt(s.OpSpan, "Tuple type mismatch: %s != %s.", old, v)
			c.setType(t, lang.None)
			return
		}
		mi.Uses = mi.Uses[:len(mi.Uses)-1] // assignMap records the use
		c.assignMap(t, v)
	case *lang.Var:
		v := c.checkExpr(s.Value)
		c.assignVar(t, v, s.OpSpan)
	default:
		c.checkExpr(s.Target)
		c.checkExpr(s.Value)
		c.errorf(s.Target, "Invalid assignment target: only maps and variables can be assigned")
	}
}

// assignVar stores a value of type v into $name, fixing its type on the
// first assignment. A type mismatch is reported at `at` (the "=", as
// bpftrace 0.17).
func (c *checker) assignVar(t *lang.Var, v *lang.Type, at lang.Span) {
	if v.Kind == lang.KindNone {
		// The value's own error was reported. The variable is declared
		// all the same, so its uses do not each report it undefined.
		if _, ok := c.probe.Vars[t.Name]; !ok {
			c.probe.Vars[t.Name] = lang.None
		}
		c.setType(t, lang.None)
		return
	}
	if v.Kind.IsAggregation() {
		c.errorf(t, "Value of type '%s' cannot be assigned to a variable", v)
		c.setType(t, lang.None)
		return
	}
	old, ok := c.probe.Vars[t.Name]
	switch {
	case !ok || old.Kind == lang.KindNone:
		c.probe.Vars[t.Name] = v
	case v.Kind == lang.KindTuple && old.Kind == lang.KindTuple && !compatible(old, v):
		c.errorAt(at, "Tuple type mismatch: %s != %s.", old, v)
	case !compatible(old, v):
		c.errorAt(at, "Type mismatch for $%s: trying to assign value of type '%s' when variable already contains a value of type '%s'",
			t.Name, v, old)
	default:
		c.probe.Vars[t.Name] = mergeVar(old, v)
	}
	c.setType(t, c.probe.Vars[t.Name])
}

// mergeVar keeps a variable's first type, except that strings grow to hold
// the largest value assigned (bpftrace warns and truncates instead).
func mergeVar(old, v *lang.Type) *lang.Type {
	if old.Kind == lang.KindStr || old.Kind == lang.KindTuple {
		return merge(old, v)
	}
	return old
}

func (c *checker) checkLet(s *lang.LetStmt) {
	var declared *lang.Type
	if s.Type != nil {
		declared = c.resolveTypeExpr(s.Type)
	}
	if _, dup := c.probe.Vars[s.Var.Name]; dup && c.final {
		c.errorf(s.Var, "Variable $%s was already declared", s.Var.Name)
	}
	if s.Value == nil {
		if declared == nil {
			declared = lang.None
		}
		c.probe.Vars[s.Var.Name] = declared
		c.setType(s.Var, declared)
		return
	}
	v := c.checkExpr(s.Value)
	if declared != nil && declared.Kind != lang.KindNone && v.Kind != lang.KindNone && !compatible(declared, v) {
		c.errorf(s.Value, "Type mismatch for $%s: trying to assign value of type '%s' when variable already has a type '%s'",
			s.Var.Name, v, declared)
	}
	if declared != nil {
		c.probe.Vars[s.Var.Name] = declared
		c.setType(s.Var, declared)
		return
	}
	delete(c.probe.Vars, s.Var.Name)
	c.assignVar(s.Var, v, s.Var.SpanOf())
}

// checkCompound checks `x op= v`: integers only. A constant zero divisor
// gives 0, as in bpftrace 0.17 (codegen's zeroedBy).
func (c *checker) checkCompound(s *lang.AssignStmt) {
	v := c.checkExpr(s.Value)
	if v.Kind != lang.KindNone && !v.IsInt() {
		c.errorf(s.Value, "The %s= operator can not be used on expressions of type '%s'", s.Op, v)
		v = lang.None
	}
	switch t := s.Target.(type) {
	case *lang.Map:
		mi := c.mapInfo(t)
		mi.Uses = mi.Uses[:len(mi.Uses)-1] // assignMap records the use
		if v.Kind == lang.KindNone {
			v = lang.Int64
		}
		if mi.Value != nil && mi.Value.IsPtr() && (s.Op == lang.OpAdd || s.Op == lang.OpSub) {
			// Pointer arithmetic: the map keeps its pointer type and
			// codegen scales v by the pointee's size.
			c.assignMap(t, mi.Value)
			return
		}
		if mi.Value != nil && !mi.Value.IsInt() && !compatible(mi.Value, lang.Int64) {
			c.checkKeys(t, mi)
			c.errorf(t, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'",
				mapName(t.Name), v, mi.Value)
			c.setType(t, lang.None)
			mi.Uses = append(mi.Uses, t)
			return
		}
		if mi.Value == nil {
			// bpftrace 0.17 reads `@m op= v` as `@m = @m op v`; a map not
			// typed yet is none there, which is not signed, so the sum is
			// unsigned and so is the map (`@m -= 5` prints
			// 18446744073709551611, as bpftrace).
			c.assignMap(t, lang.Uint64)
			return
		}
		c.assignMap(t, lang.Int64)
	case *lang.Var:
		old, ok := c.probe.Vars[t.Name]
		if !ok {
			c.errorf(t, "Undefined or undeclared variable: $%s", t.Name)
			c.setType(t, lang.None)
			return
		}
		if old.Kind != lang.KindNone && !old.IsInt() && !(old.IsPtr() && (s.Op == lang.OpAdd || s.Op == lang.OpSub)) {
			c.errorf(t, "The %s= operator can not be used on expressions of type '%s'", s.Op, old)
		}
		c.setType(t, old)
	default:
		c.checkExpr(s.Target)
		c.errorf(s.Target, "Invalid assignment target: only maps and variables can be assigned")
	}
}
