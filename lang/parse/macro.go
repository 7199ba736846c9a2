package parse

import (
	"slices"
	"strconv"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// bpftrace macros (`macro name($v, @m, x) { ... }`) are expanded here, at
// parse time, into ordinary lang nodes at each call site:
//
//   - a `$v` parameter takes a scratch variable and stands for it;
//   - an `@m` parameter takes a map (no keys) and stands for it;
//   - a bare `x` parameter takes any expression, copied in at every use
//     (so its side effects happen once per use, as in bpftrace);
//   - other scratch variables of the body are the expansion's own: they
//     are renamed per expansion (`$v` becomes `$v__name1`), which makes
//     macros hygienic; a map that is not a parameter is an error;
//   - a body whose last statement is an expression without ';' has that
//     value. Such a macro can be used in an expression when it has no
//     other statement (a value with statements would need a block
//     expression, which lang does not have); any macro can be used as a
//     statement, its statements then replace the call;
//   - a macro without parameters can also be named without parentheses.
//
// Macros are selected by name and number of arguments. Every expanded node
// has the span of the call (the outermost call for nested expansions), so
// later diagnostics point at the script's text.

// gMacro is a macro definition.
type gMacro struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"\"macro\" @Ident \"(\""`
	Params []*gParam   `parser:"( @@ ( \",\" @@ )* )? \")\""`
	Body   *gBlock     `parser:"@@"`
}

type gParam struct {
	Tok lexer.Token `parser:"@( Var | Map | Ident )"`
}

type macroDef struct {
	name   string
	span   lang.Span
	params []lexer.Token // Var, Map or Ident tokens
	stmts  []lang.Stmt   // the body but its value
	value  lang.Expr     // the final expression without ';', or nil
}

// Limits: nesting depth, and nodes made by expansion (arguments used
// twice in nested calls double the tree at each level).
const (
	maxMacroNesting = 64
	maxMacroNodes   = 1 << 20
)

// macroKey selects a macro by name and arity.
type macroKey struct {
	name  string
	arity int
}

func (st *state) lowerMacro(g *gMacro) {
	d := &macroDef{name: g.Name.Value, span: st.spanOf(g.Tokens)}
	for _, p := range g.Params {
		d.params = append(d.params, p.Tok)
	}
	seen := map[string]bool{}
	for _, p := range d.params {
		if seen[p.Value] {
			st.diag(lang.ErrorAt(st.tokenSpan(p), "duplicate parameter %s of macro %s", p.Value, d.name))
		}
		seen[p.Value] = true
	}
	b := st.lowerBlock(g.Body)
	d.stmts = b.Stmts
	if n := len(g.Body.Stmts); n > 0 && g.Body.Stmts[n-1].Simple != nil && !g.Body.Stmts[n-1].Semi {
		if x, ok := b.Stmts[len(b.Stmts)-1].(*lang.ExprStmt); ok {
			d.value = x.X
			d.stmts = b.Stmts[:len(b.Stmts)-1]
		}
	}
	// Hygiene: maps reach the body only through parameters.
	lang.Inspect(b, func(n lang.Node) bool {
		if m, ok := n.(*lang.Map); ok && !seen["@"+m.Name] {
			st.diag(lang.ErrorAt(m.Span, "macro %s uses map @%s, which is not one of its parameters", d.name, m.Name))
		}
		return true
	})
	key := macroKey{d.name, len(d.params)}
	if prev, ok := st.macros[key]; ok {
		st.diag(lang.ErrorAt(d.span, "macro %s with %d parameters is already defined at line %d", d.name, key.arity, prev.span.Start.Line))
		return
	}
	if st.macros == nil {
		st.macros = map[macroKey]*macroDef{}
		st.macroNames = map[string]bool{}
	}
	st.macros[key] = d
	st.macroNames[d.name] = true
}

// expander rewrites a program's macro calls.
type expander struct {
	st     *state
	active []string // macros being expanded, innermost last
	count  int      // expansions so far, to name their variables
	nodes  int      // nodes made so far
	full   bool     // maxMacroNodes was reached and reported
}

// grow counts a node made by expansion and tells whether to go on.
func (e *expander) grow(sp lang.Span) bool {
	e.nodes++
	if e.nodes > maxMacroNodes && !e.full {
		e.full = true
		e.st.diag(lang.ErrorAt(sp, "macro expansion is too large"))
	}
	return !e.full
}

// subst is one expansion of a macro: what its parameters and variables
// become. A nil *subst means the tree is the program's own, rewritten in
// place; copyOnly copies a tree (an argument used once more) unchanged.
type subst struct {
	call     lang.Span
	def      *macroDef
	id       int
	copyOnly bool
	vars     map[string]string // $param and local variable → new name
	maps     map[string]string // @param → the argument map's name
	exprs    map[string]lang.Expr
}

var copyOnly = &subst{copyOnly: true}

func (st *state) expandMacros(prog *lang.Program) {
	e := &expander{st: st}
	for _, p := range prog.Probes {
		p.Pred = e.expr(p.Pred, nil)
		p.Body.Stmts = e.stmts(p.Body.Stmts, nil)
	}
}

// lookup finds the macro a call or a bare name refers to; it reports a
// call with the wrong number of arguments.
func (e *expander) lookup(name string, arity int, bare bool, sp lang.Span) *macroDef {
	if !e.st.macroNames[name] {
		return nil
	}
	d := e.st.macros[macroKey{name, arity}]
	if d == nil {
		if !bare {
			e.st.diag(lang.ErrorAt(sp, "no macro %s takes %d arguments", name, arity))
		}
		return nil
	}
	if slices.Contains(e.active, name) || len(e.active) >= maxMacroNesting {
		e.st.diag(lang.ErrorAt(sp, "recursive macro call: %s", name))
		return nil
	}
	return d
}

// macroCall tells whether x calls a macro, and with which arguments.
func (e *expander) macroCall(x lang.Expr) (*macroDef, []lang.Expr, lang.Span) {
	switch x := x.(type) {
	case *lang.Call:
		if d := e.lookup(x.Name, len(x.Args), false, x.Span); d != nil {
			return d, x.Args, x.Span
		}
	case *lang.Ident:
		if d := e.lookup(x.Name, 0, true, x.Span); d != nil {
			return d, nil, x.Span
		}
	case *lang.Builtin:
		if d := e.lookup(x.Name, 0, true, x.Span); d != nil {
			return d, nil, x.Span
		}
	}
	return nil, nil, lang.Span{}
}

// bind checks the arguments of a call and makes its substitution.
func (e *expander) bind(d *macroDef, args []lang.Expr, call lang.Span) (*subst, bool) {
	e.count++
	sb := &subst{call: call, def: d, id: e.count, vars: map[string]string{}, maps: map[string]string{}, exprs: map[string]lang.Expr{}}
	ok := true
	for i, p := range d.params {
		a := args[i]
		switch p.Type {
		case tVar:
			v, isVar := a.(*lang.Var)
			if !isVar {
				e.st.diag(lang.ErrorAt(a.SpanOf(), "macro %s expects a scratch variable for %s", d.name, p.Value))
				ok = false
				continue
			}
			sb.vars[p.Value[1:]] = v.Name
		case tMap:
			m, isMap := a.(*lang.Map)
			if !isMap || m.Keys != nil {
				e.st.diag(lang.ErrorAt(a.SpanOf(), "macro %s expects a map for %s", d.name, p.Value))
				ok = false
				continue
			}
			sb.maps[p.Value[1:]] = m.Name
		default:
			sb.exprs[p.Value] = a
		}
	}
	return sb, ok
}

// expandValue is a macro call used as an expression.
func (e *expander) expandValue(d *macroDef, args []lang.Expr, call lang.Span, orig lang.Expr) lang.Expr {
	if d.value == nil || len(d.stmts) > 0 {
		if d.value == nil {
			e.st.diag(lang.ErrorAt(call, "macro %s has no value: its body does not end with an expression", d.name))
		} else {
			e.st.diag(lang.ErrorAt(call, "macro %s cannot be used as a value: its body has statements before its value", d.name))
		}
		return orig
	}
	sb, ok := e.bind(d, args, call)
	if !ok {
		return orig
	}
	e.active = append(e.active, d.name)
	defer func() { e.active = e.active[:len(e.active)-1] }()
	return e.expr(d.value, sb)
}

// expandStmts is a macro call used as a statement.
func (e *expander) expandStmts(d *macroDef, args []lang.Expr, call lang.Span) ([]lang.Stmt, bool) {
	sb, ok := e.bind(d, args, call)
	if !ok {
		return nil, false
	}
	e.active = append(e.active, d.name)
	defer func() { e.active = e.active[:len(e.active)-1] }()
	out := e.stmts(d.stmts, sb)
	if d.value != nil {
		out = append(out, &lang.ExprStmt{Span: call, X: e.expr(d.value, sb)})
	}
	return out, true
}

func (e *expander) stmts(list []lang.Stmt, sb *subst) []lang.Stmt {
	if e.full {
		return list
	}
	out := make([]lang.Stmt, 0, len(list))
	for _, s := range list {
		if x, ok := s.(*lang.ExprStmt); ok {
			call, replaced := x.X, false
			if sb != nil {
				call, replaced = e.shallow(call, sb)
			}
			if d, args, sp := e.macroCall(call); d != nil && !replaced && (sb == nil || !sb.copyOnly) {
				args = e.exprs(args, sb)
				if exp, ok := e.expandStmts(d, args, sp); ok {
					out = append(out, exp...)
					continue
				}
			}
		}
		out = append(out, e.stmt(s, sb))
	}
	return out
}

func (e *expander) block(b *lang.Block, sb *subst) *lang.Block {
	n := fresh(b, sb)
	n.Span = sb.at(b.Span)
	n.Stmts = e.stmts(b.Stmts, sb)
	return n
}

func (e *expander) varNode(v *lang.Var, sb *subst) *lang.Var {
	if sb == nil {
		return v
	}
	c := *v
	if !sb.copyOnly {
		c.Span = sb.call
		name, ok := sb.vars[v.Name]
		if !ok {
			name = v.Name + "__" + sb.def.name + strconv.Itoa(sb.id)
			sb.vars[v.Name] = name
		}
		c.Name = name
	}
	return &c
}

// fresh returns the statement an expansion writes: a copy when it comes
// from a macro body (the template stays intact for the next call), else
// the program's own statement, rewritten in place.
func fresh[T any](s *T, sb *subst) *T {
	if sb == nil {
		return s
	}
	c := *s
	return &c
}

// at is the span of a node written by the expansion: the call's, for a
// node of an expanded body; else its own.
func (sb *subst) at(sp lang.Span) lang.Span {
	if sb != nil && !sb.copyOnly {
		return sb.call
	}
	return sp
}

func (e *expander) stmt(s lang.Stmt, sb *subst) lang.Stmt {
	switch s := s.(type) {
	case *lang.ExprStmt:
		n := fresh(s, sb)
		n.Span, n.X = sb.at(s.Span), e.expr(s.X, sb)
		return n
	case *lang.AssignStmt:
		n := fresh(s, sb)
		n.Span, n.Target, n.Value = sb.at(s.Span), e.expr(s.Target, sb), e.expr(s.Value, sb)
		return n
	case *lang.LetStmt:
		n := fresh(s, sb)
		n.Span, n.Var, n.Value = sb.at(s.Span), e.varNode(s.Var, sb), e.expr(s.Value, sb)
		return n
	case *lang.IfStmt:
		n := fresh(s, sb)
		n.Span = sb.at(s.Span)
		n.Cond = e.expr(s.Cond, sb)
		n.Then = e.block(s.Then, sb)
		if s.Else != nil {
			n.Else = e.stmt(s.Else, sb)
		}
		return n
	case *lang.UnrollStmt:
		n := fresh(s, sb)
		n.Span = sb.at(s.Span)
		n.Count = e.expr(s.Count, sb)
		n.Body = e.block(s.Body, sb)
		return n
	case *lang.WhileStmt:
		n := fresh(s, sb)
		n.Span = sb.at(s.Span)
		n.Cond = e.expr(s.Cond, sb)
		n.Body = e.block(s.Body, sb)
		return n
	case *lang.ForStmt:
		n := fresh(s, sb)
		n.Span = sb.at(s.Span)
		n.Var = e.varNode(s.Var, sb)
		if s.Range != nil {
			n.Range = &lang.Range{Span: sb.at(s.Range.Span), Lo: e.expr(s.Range.Lo, sb), Hi: e.expr(s.Range.Hi, sb)}
		}
		if s.Map != nil {
			n.Map = e.expr(s.Map, sb).(*lang.Map)
		}
		n.Body = e.block(s.Body, sb)
		return n
	case *lang.JumpStmt:
		n := fresh(s, sb)
		n.Span = sb.at(s.Span)
		return n
	case *lang.Block:
		return e.block(s, sb)
	}
	return s
}

func (e *expander) exprs(xs []lang.Expr, sb *subst) []lang.Expr {
	if xs == nil {
		return nil
	}
	out := make([]lang.Expr, len(xs))
	for i, x := range xs {
		out[i] = e.expr(x, sb)
	}
	return out
}

// shallow copies the top node of x for an expansion, with the call's span
// and the parameter and variable substitutions applied; its children are
// still the template's.
func (e *expander) shallow(x lang.Expr, sb *subst) (y lang.Expr, replaced bool) {
	var sp *lang.Span
	switch n := x.(type) {
	case *lang.IntLit:
		c := *n
		x, sp = &c, &c.Span
	case *lang.StrLit:
		c := *n
		x, sp = &c, &c.Span
	case *lang.BoolLit:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Positional:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Builtin:
		if a, ok := sb.exprs[n.Name]; ok && !sb.copyOnly {
			return e.expr(a, copyOnly), true
		}
		c := *n
		x, sp = &c, &c.Span
	case *lang.Ident:
		if a, ok := sb.exprs[n.Name]; ok && !sb.copyOnly {
			return e.expr(a, copyOnly), true
		}
		c := *n
		x, sp = &c, &c.Span
	case *lang.Var:
		return e.varNode(n, sb), false
	case *lang.Map:
		c := *n
		if name, ok := sb.maps[n.Name]; ok && !sb.copyOnly {
			c.Name = name
		}
		x, sp = &c, &c.Span
	case *lang.Call:
		c := *n
		if !sb.copyOnly {
			c.NameSpan = sb.call
		}
		x, sp = &c, &c.Span
	case *lang.Binary:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Unary:
		c := *n
		x, sp = &c, &c.Span
	case *lang.IncDec:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Ternary:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Cast:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Field:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Index:
		c := *n
		x, sp = &c, &c.Span
	case *lang.TupleIndex:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Tuple:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Sizeof:
		c := *n
		x, sp = &c, &c.Span
	case *lang.Offsetof:
		c := *n
		x, sp = &c, &c.Span
	}
	if sp != nil && !sb.copyOnly {
		*sp = sb.call
	}
	return x, false
}

// expr rewrites x: in place when sb is nil, else as a copy for an
// expansion. Macro calls in it are expanded.
func (e *expander) expr(x lang.Expr, sb *subst) lang.Expr {
	if x == nil || e.full {
		return x
	}
	if sb != nil {
		if !e.grow(x.SpanOf()) {
			return x
		}
		y, replaced := e.shallow(x, sb)
		if replaced {
			return y
		}
		x = y
	}
	switch n := x.(type) {
	case *lang.Map:
		n.Keys = e.exprs(n.Keys, sb)
	case *lang.Call:
		n.Args = e.exprs(n.Args, sb)
	case *lang.Binary:
		n.X, n.Y = e.expr(n.X, sb), e.expr(n.Y, sb)
	case *lang.Unary:
		n.X = e.expr(n.X, sb)
	case *lang.IncDec:
		n.X = e.expr(n.X, sb)
	case *lang.Ternary:
		n.Cond, n.Then, n.Else = e.expr(n.Cond, sb), e.expr(n.Then, sb), e.expr(n.Else, sb)
	case *lang.Cast:
		n.X = e.expr(n.X, sb)
	case *lang.Field:
		n.X = e.expr(n.X, sb)
	case *lang.Index:
		n.X, n.Index = e.expr(n.X, sb), e.expr(n.Index, sb)
	case *lang.TupleIndex:
		n.X = e.expr(n.X, sb)
	case *lang.Tuple:
		n.Elems = e.exprs(n.Elems, sb)
	case *lang.Sizeof:
		n.X = e.expr(n.X, sb)
	}
	if sb != nil && sb.copyOnly {
		return x
	}
	if d, args, sp := e.macroCall(x); d != nil {
		return e.expandValue(d, args, sp, x)
	}
	return x
}
