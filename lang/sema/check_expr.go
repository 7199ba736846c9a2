package sema

import (
	"math"
	"strconv"

	"github.com/gtrace/gtrace/lang"
)

// checkExpr checks an expression used as a value and returns its type
// (lang.None after an error, never nil).
func (c *checker) checkExpr(e lang.Expr) *lang.Type {
	t := c.checkExprUse(e, useValue)
	if t == nil {
		return c.setType(e, lang.None)
	}
	return t
}

// checkExprUse checks an expression whose value goes to u. It returns nil
// only for an invalid aggregation call assigned to a map.
func (c *checker) checkExprUse(e lang.Expr, u use) *lang.Type {
	if call, ok := e.(*lang.Call); ok {
		t := c.checkCall(call, u)
		if t == nil {
			c.setType(call, lang.None)
			return nil
		}
		return c.setType(call, t)
	}
	if t, ok := e.(*lang.Ternary); ok && u == useStmt {
		return c.setType(t, c.checkTernaryStmt(t))
	}
	return c.setType(e, c.typeOf(e))
}

func (c *checker) typeOf(e lang.Expr) *lang.Type {
	switch e := e.(type) {
	case *lang.IntLit:
		c.info.Consts[e] = int64(e.Value)
		if e.Value > math.MaxInt64 {
			return lang.Uint64
		}
		return lang.Int64
	case *lang.StrLit:
		return lang.StrType(len(e.Value) + 1)
	case *lang.BoolLit:
		if e.Value {
			c.info.Consts[e] = 1
		} else {
			c.info.Consts[e] = 0
		}
		return lang.Bool
	case *lang.Positional:
		return c.checkPositional(e)
	case *lang.Builtin:
		return c.checkBuiltin(e)
	case *lang.Ident:
		return c.checkIdent(e)
	case *lang.Var:
		t, ok := c.probe.Vars[e.Name]
		if !ok {
			c.errorf(e, "Undefined or undeclared variable: $%s", e.Name)
			return lang.None
		}
		return t
	case *lang.Map:
		return c.checkMapRead(e)
	case *lang.Binary:
		return c.checkBinary(e)
	case *lang.Unary:
		return c.checkUnary(e)
	case *lang.IncDec:
		return c.checkIncDec(e)
	case *lang.Ternary:
		return c.checkTernary(e)
	case *lang.Cast:
		return c.checkCast(e)
	case *lang.Field:
		return c.checkField(e)
	case *lang.Index:
		return c.checkIndex(e)
	case *lang.TupleIndex:
		return c.checkTupleIndex(e)
	case *lang.Tuple:
		elems := make([]*lang.Type, len(e.Elems))
		for i, x := range e.Elems {
			elems[i] = c.checkExpr(x)
			if elems[i].Kind == lang.KindNone {
				return lang.None
			}
		}
		return lang.TupleOf(elems...)
	case *lang.Sizeof:
		return c.checkSizeof(e)
	case *lang.Offsetof:
		return c.checkOffsetof(e)
	case nil:
		panic("BUG: sema: nil expression")
	}
	panic("BUG: sema: unknown expression type")
}

// checkPositional types $N: an integer constant when the parameter is a
// number (or unset: 0), else a string; $# is the parameter count.
func (c *checker) checkPositional(e *lang.Positional) *lang.Type {
	if e.Count {
		c.info.Consts[e] = int64(len(c.opts.Params))
		return lang.Int64
	}
	if e.Index < 1 || e.Index > len(c.opts.Params) {
		c.info.Consts[e] = 0
		return lang.Int64
	}
	p := c.opts.Params[e.Index-1]
	if v, err := strconv.ParseInt(p, 0, 64); err == nil {
		c.info.Consts[e] = v
		return lang.Int64
	}
	return lang.StrType(len(p) + 1)
}

// checkIdent types a bare identifier: a script enumerator, a C constant of
// the built-in table (cconsts.go) or a kernel enumerator from the Env, in
// that order (a script #define was substituted by the parser already).
func (c *checker) checkIdent(e *lang.Ident) *lang.Type {
	if v, ok := c.enums[e.Name]; ok {
		c.info.Consts[e] = v
		return lang.Int64
	}
	if v, ok := cConsts[e.Name]; ok {
		c.info.Consts[e] = v
		return lang.Int64
	}
	v, ok, err := c.opts.Env.Enumerator(e.Name)
	if ok {
		c.info.Consts[e] = v
		return lang.Int64
	}
	if c.opts.Env == NoKernel && isMacroName(e.Name) {
		// Without a kernel an enumerator's value is unknown, as a field of
		// an unknown record is: accept the name as an integer of unknown
		// value (no constant) so scripts check without BTF.
		return unknown
	}
	d := c.errorf(e, "Unknown identifier: '%s'", e.Name)
	cands := builtinNames()
	for n := range c.enums {
		cands = append(cands, n)
	}
	if isMacroName(e.Name) {
		for n := range cConsts {
			cands = append(cands, n)
		}
	}
	if h := closest(e.Name, cands); h != "" {
		d.WithHint("did you mean '%s'?", h)
	} else if err != nil {
		d.WithHint("kernel enumerators are not available: %v", err)
	}
	return lang.None
}

// boolType is the type of a comparison or a logical operator on numbers:
// bpftrace 0.17 types it as any other operator, signed only when both
// operands are, so (int8)-1 <= ((uint16)1 > 2) compares unsigned (false).
func boolType(x, y *lang.Type) *lang.Type {
	return lang.IntType(8, x.Signed && y.Signed)
}

// textParam reports, in bpftrace 0.17's words, a positional parameter
// whose text is not a number used where a number is wanted, and whether e
// is one.
func (c *checker) textParam(e lang.Expr) bool {
	p, ok := e.(*lang.Positional)
	if !ok || p.Count {
		return false
	}
	text := ""
	if p.Index >= 1 && p.Index <= len(c.opts.Params) {
		text = c.opts.Params[p.Index-1]
	}
	c.errorf(p, "$%d used numerically but given \"%s\". Try using str($%d).", p.Index, text, p.Index)
	return true
}

// isMacroName reports whether a name looks like a C macro (upper case,
// digits and underscores), to offer the C constants as spelling hints.
func isMacroName(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return s != ""
}

// checkStrParamOffset checks a binary operation on a positional parameter
// inside str(): as in bpftrace 0.17, the parameter stands for the address
// of its text there, and only `$N + k` or `k + $N` with a literal
// 0 <= k <= len($N) is allowed; it is the text from byte k.
func (c *checker) checkStrParamOffset(e *lang.Binary, p *lang.Positional) *lang.Type {
	text := ""
	if p.Index >= 1 && p.Index <= len(c.opts.Params) {
		text = c.opts.Params[p.Index-1]
	}
	other := e.Y
	if e.Y == lang.Expr(p) {
		other = e.X
	}
	c.setType(p, lang.StrType(len(text)+1))
	lit, isLit := other.(*lang.IntLit)
	if isLit {
		c.setType(lit, c.typeOf(lit))
	} else {
		c.checkExpr(other)
	}
	if !isLit || e.Op != lang.OpAdd || lit.Value > uint64(len(text)) {
		// bpftrace 0.17 underlines the operator and the right operand.
		c.errorAt(lang.Span{Start: e.OpSpan.Start, End: e.Span.End}, "only addition of a single constant less or equal to the length of $%d (which is %d) is allowed inside str()", p.Index, len(text))
		return lang.None
	}
	c.info.ParamTexts[e] = text[lit.Value:]
	return lang.StrType(len(text) - int(lit.Value) + 1)
}

// strParamOperand returns the positional parameter operand of e, if e is
// inside str() and has one.
func (c *checker) strParamOperand(e *lang.Binary) (*lang.Positional, bool) {
	if c.inStr == nil {
		return nil, false
	}
	for _, x := range []lang.Expr{e.X, e.Y} {
		if p, ok := x.(*lang.Positional); ok && !p.Count {
			return p, true
		}
	}
	return nil, false
}

func (c *checker) checkBinary(e *lang.Binary) *lang.Type {
	if p, ok := c.strParamOperand(e); ok {
		return c.checkStrParamOffset(e, p)
	}
	x, y := c.checkExpr(e.X), c.checkExpr(e.Y)
	if _, ok := c.info.ParamTexts[e.X]; ok && c.inStr != nil {
		c.errorf(c.inStr, "str() only accepts positional parameters directly or with a single constant offset added")
		return lang.None
	}
	if _, ok := c.info.ParamTexts[e.Y]; ok && c.inStr != nil {
		c.errorf(c.inStr, "str() only accepts positional parameters directly or with a single constant offset added")
		return lang.None
	}
	if !c.final && e.Op.IsArithmetic() {
		// Pass 1: a map read before its type is known (@n = @n + 1) is
		// none; arithmetic with an integer still yields an integer, as in
		// bpftrace, so the map learns its type: unsigned, since none is
		// not signed (bpftrace 0.17 prints @n = @n - 5 as
		// 18446744073709551611).
		if (x.Kind == lang.KindNone && y.IsInt()) || (y.Kind == lang.KindNone && x.IsInt()) {
			return lang.Uint64
		}
	}
	if x.Kind == lang.KindNone || y.Kind == lang.KindNone {
		return lang.None
	}
	if x == unknown || y == unknown {
		return lang.Int64
	}
	numeric := func(t *lang.Type) bool { return t.IsInt() || t.IsPtr() }
	switch {
	case e.Op.IsLogical():
		if !numeric(x) || !numeric(y) {
			// bpftrace 0.17's order: different kinds first.
			if x.Kind != y.Kind && !(numeric(x) && numeric(y)) {
				c.errorf(e, "Type mismatch for '%s': comparing '%s' with '%s'", e.Op, x, y)
			} else {
				c.errorAt(e.OpSpan, "The %s operator can not be used on expressions of types %s, %s", e.Op, x, y)
			}
			return lang.None
		}
		c.fold(e, x, y, lang.Int64)
		return boolType(x, y)
	case e.Op.IsComparison():
		switch {
		case numeric(x) && numeric(y):
			c.fold(e, x, y, lang.Int64)
			return boolType(x, y)
		case x.Kind != y.Kind && !(numeric(x) && numeric(y)):
			c.errorf(e, "Type mismatch for '%s': comparing '%s' with '%s'", e.Op, x, y)
			return lang.None
		case x.Kind == lang.KindTuple && (e.Op == lang.OpEql || e.Op == lang.OpNeq):
			// bpftrace 0.17 accepts ==/!= on tuples but compares the
			// addresses they are stored at (an integer compare of two
			// pointers): $t == $t is 1, $t == (1, 2) and any two
			// distinct tuples 0, whatever they hold. No value
			// comparison would agree with that, so it is refused.
			c.errorf(e, "The %s operator can not be used on tuples: bpftrace 0.17 compares where they are stored, not their values; compare their elements ($t.0 == 1 && $t.1 == 2)", e.Op)
			return lang.None
		case (e.Op == lang.OpEql || e.Op == lang.OpNeq) && (x.Kind == lang.KindStr || x.Kind == lang.KindArray) && compatible(x, y):
			return lang.Int64
		}
		c.errorAt(e.OpSpan, "The %s operator can not be used on expressions of types %s, %s", e.Op, x, y)
		return lang.None
	}
	// Arithmetic, bitwise and shifts.
	switch {
	case x.IsInt() && y.IsInt():
		t := lang.IntType(8, x.Signed && y.Signed)
		c.fold(e, x, y, t)
		return t
	case x.IsPtr() && y.IsInt() && (e.Op == lang.OpAdd || e.Op == lang.OpSub):
		return x
	case x.IsInt() && y.IsPtr() && e.Op == lang.OpAdd:
		return y
	case x.Kind == lang.KindStr && c.textParam(e.X), y.Kind == lang.KindStr && c.textParam(e.Y):
		return lang.None
	// p - q is refused, as bpftrace 0.17 refuses it (C would count
	// elements, a byte difference would silently differ from that).
	case x.Kind != y.Kind:
		c.errorf(e, "Type mismatch for '%s': comparing '%s' with '%s'", e.Op, x, y)
		return lang.None
	}
	c.errorAt(e.OpSpan, "The %s operator can not be used on expressions of types %s, %s", e.Op, x, y)
	return lang.None
}

func (c *checker) checkUnary(e *lang.Unary) *lang.Type {
	x := c.checkExpr(e.X)
	if x.Kind == lang.KindNone {
		return lang.None
	}
	bad := func() *lang.Type {
		c.errorf(e, "The %s operator can not be used on expressions of type '%s'", e.Op, x)
		return lang.None
	}
	v, isConst := c.constOf(e.X)
	switch e.Op {
	case lang.OpSub:
		if !x.IsInt() {
			return bad()
		}
		// In the operand's width for a narrow cast or variable
		// (NarrowWidth), then 64 bits with the operand's sign.
		if isConst {
			c.info.Consts[e] = truncate(-v, NarrowWidth(e.X, c.info.Types))
		}
		return widen(x)
	case lang.OpCompl:
		if !x.IsInt() {
			return bad()
		}
		if isConst {
			c.info.Consts[e] = truncate(^v, NarrowWidth(e.X, c.info.Types))
		}
		return widen(x)
	case lang.OpNot:
		if !x.IsInt() && !x.IsPtr() {
			return bad()
		}
		if isConst {
			c.info.Consts[e] = b2i(v == 0)
		}
		// Unsigned, as bpftrace 0.17 types !x.
		return lang.Uint64
	case lang.OpMul:
		switch {
		case x.IsPtr():
			if x.Elem == nil || x.Elem.Kind == lang.KindNone {
				c.errorf(e, "Can not dereference type '%s'", x)
				return lang.None
			}
			if x.User {
				return lang.InUser(x.Elem)
			}
			return x.Elem
		case x == unknown:
			return unknown
		case x.IsInt():
			// bpftrace reads 8 bytes at an integer address.
			return lang.Uint64
		}
		return bad()
	case lang.OpAnd:
		switch e.X.(type) {
		case *lang.Var, *lang.Map, *lang.Field, *lang.Index:
			return lang.PtrTo(x)
		}
		c.errorf(e, "The & operator can only take the address of a variable, map or field")
		return lang.None
	}
	return bad()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// checkIncDec checks ++/-- on an integer variable or map value.
func (c *checker) checkIncDec(e *lang.IncDec) *lang.Type {
	switch x := e.X.(type) {
	case *lang.Var:
		t, ok := c.probe.Vars[x.Name]
		if !ok {
			c.errorf(x, "Undefined or undeclared variable: $%s", x.Name)
			return c.setType(x, lang.None)
		}
		c.setType(x, t)
		if t.Kind != lang.KindNone && !t.IsInt() && !t.IsPtr() {
			c.errorf(e, "The %s operator can not be used on expressions of type '%s'", e.Op, t)
			return lang.None
		}
		return t
	case *lang.Map:
		mi := c.info.Maps[x.Name]
		if mi != nil && mi.Value != nil && mi.Value.IsPtr() {
			// A pointer steps by its pointee's size: (int32 *)32 ++ is 36.
			c.assignMap(x, mi.Value)
			return mi.Value
		}
		if mi != nil && mi.Value != nil && !mi.Value.IsInt() {
			c.checkMapRead(x)
			c.errorf(e, "The %s operator can not be used on expressions of type '%s'", e.Op, mi.Value)
			return lang.None
		}
		c.assignMap(x, lang.Int64)
		return lang.Int64
	}
	c.checkExpr(e.X)
	c.errorf(e, "The %s operator must be applied to a map or variable", e.Op)
	return lang.None
}

// checkTernaryStmt checks a ternary whose value is dropped. As in
// bpftrace 0.17, its values may then both be calls without a value
// (`$x ? printf("a") : printf("b");` runs one of them), but not just one
// of them: "have 'none' and 'integer'".
func (c *checker) checkTernaryStmt(e *lang.Ternary) *lang.Type {
	c.checkCond(e.Cond, "ternary", e)
	a, b := c.checkExprUse(e.Then, useStmt), c.checkExprUse(e.Else, useStmt)
	av, bv := c.void(e.Then), c.void(e.Else)
	switch {
	case av && bv:
		return lang.None
	case av && b.Kind != lang.KindNone, bv && a.Kind != lang.KindNone:
		if av {
			a = lang.None
		} else {
			b = lang.None
		}
		c.errorf(e, "Ternary operator must return the same type: have '%s' and '%s'", typeClass(a), typeClass(b))
		return lang.None
	}
	return c.ternaryType(e, a, b)
}

// void reports whether a checked expression is a call without a value
// (printf, exit, clear, ...) or a ternary of two such. delete() counts:
// it has no value in bpftrace 0.17 (its bool is newer).
func (c *checker) void(e lang.Expr) bool {
	switch e := e.(type) {
	case *lang.Call:
		spec := Funcs[e.Name]
		return spec != nil && (spec.Kind == MapOp || c.info.Types[e].Kind == lang.KindNone)
	case *lang.Ternary:
		return c.void(e.Then) && c.void(e.Else)
	}
	return false
}

func (c *checker) checkTernary(e *lang.Ternary) *lang.Type {
	c.checkCond(e.Cond, "ternary", e)
	return c.ternaryType(e, c.checkExpr(e.Then), c.checkExpr(e.Else))
}

// ternaryType is the type of a ternary whose values have types a and b.
func (c *checker) ternaryType(e *lang.Ternary, a, b *lang.Type) *lang.Type {
	if a.Kind == lang.KindNone || b.Kind == lang.KindNone {
		return lang.None
	}
	if !compatible(a, b) && !(a.IsPtr() && b.IsInt() || a.IsInt() && b.IsPtr()) {
		c.errorf(e, "Ternary operator must return the same type: have '%s' and '%s'", typeClass(a), typeClass(b))
		return lang.None
	}
	if a.IsInt() && b.IsInt() {
		// The first value's sign, as bpftrace 0.17 (codegen re-extends
		// the other: Reextend).
		return lang.IntType(8, a.Signed)
	}
	if a.IsPtr() {
		return a
	}
	if b.IsPtr() {
		return b
	}
	return merge(a, b)
}

func (c *checker) checkCast(e *lang.Cast) *lang.Type {
	x := c.checkExpr(e.X)
	if name := c.unknownRecord(e.Type); name != "" {
		// As bpftrace 0.17, the error spans the parenthesized type
		// (its ')' taken to follow the type directly).
		sp := lang.Span{Start: e.Span.Start, End: e.Type.Span.End}
		sp.End.Offset++
		sp.End.Col++
		c.errorAt(sp, "Unknown struct/union: '%s'", name)
		return lang.None
	}
	to := c.resolveTypeExpr(e.Type)
	if x.Kind == lang.KindNone || to.Kind == lang.KindNone {
		return lang.None
	}
	switch {
	case to.IsInt() && (x.IsInt() || x.IsPtr()):
		if v, ok := c.constOf(e.X); ok {
			c.info.Consts[e] = truncate(truncate(v, Reextend(e.X, c.info.Types, to.Signed, to.Size)), to)
		}
		return to
	case to.IsPtr() && (x.IsInt() || x.IsPtr()):
		if x.User || c.userProbe() && !x.IsPtr() {
			// An integer cast to a pointer in a uprobe/usdt points into
			// the process, as bpftrace reads it (user address space); a
			// kernel pointer (curtask) cast to another type stays one.
			return lang.InUser(to)
		}
		return to
	case to.Kind == lang.KindArray && to.Elem.IsInt() && x.IsInt() && to.Size == x.Size:
		return to
	case to.Kind == lang.KindArray && to.Elem.IsInt() && x.IsInt() && to.Size < x.Size && fitsConst(c, e.X, to.Size):
		return to
	case to.IsInt() && x.Kind == lang.KindArray && x.Elem.IsInt() && to.Size == x.Size:
		return to
	case to.Kind == lang.KindRecord:
		c.errorf(e, "Cannot cast to \"%s\"", to)
		return lang.None
	}
	// bpftrace 0.17 underlines the "(type)" part.
	end := e.Type.Span.End // the ")" after the type
	end.Col++
	end.Offset++
	c.errorAt(lang.Span{Start: e.Span.Start, End: end}, "Casts are not supported for type: \"%s\"", x)
	return lang.None
}

// fitsConst reports whether e is a constant that fits in size bytes, so a
// literal can be cast to a smaller integer array ((uint8[4])0x0100007f).
func fitsConst(c *checker, e lang.Expr, size int) bool {
	v, ok := c.constOf(e)
	return ok && uint64(v)>>(uint(size)*8) == 0
}

// truncate converts a constant to the integer type t as a C cast does.
func truncate(v int64, t *lang.Type) int64 {
	if t == nil || t.Size >= 8 {
		return v
	}
	bits := uint(t.Size * 8)
	u := uint64(v) & (1<<bits - 1)
	if t.Signed && u&(1<<(bits-1)) != 0 {
		return int64(u) - 1<<bits
	}
	return int64(u)
}

func (c *checker) checkTupleIndex(e *lang.TupleIndex) *lang.Type {
	x := c.checkExpr(e.X)
	if x.Kind == lang.KindNone {
		return lang.None
	}
	if x.Kind != lang.KindTuple {
		c.errorf(e, "Can not access index '%d' on expression of type '%s'", e.Index, x)
		return lang.None
	}
	if e.Index < 0 || e.Index >= len(x.Elems) {
		c.errorf(e, "Invalid tuple index: %d. Found %d elements in tuple.", e.Index, len(x.Elems))
		return lang.None
	}
	return x.Elems[e.Index]
}

func (c *checker) checkIndex(e *lang.Index) *lang.Type {
	x := c.checkExpr(e.X)
	i := c.checkExpr(e.Index)
	if x.Kind == lang.KindNone || i.Kind == lang.KindNone {
		return lang.None
	}
	if !i.IsInt() {
		c.errorf(e.Index, "The array index operator [] requires an integer index (%s provided)", typeClass(i))
		return lang.None
	}
	if x == unknown {
		return unknown
	}
	v, isConst := c.constOf(e.Index)
	switch x.Kind {
	case lang.KindArray:
		if isConst && (v < 0 || v >= int64(x.Len)) {
			c.errorf(e, "the index %d is out of bounds for array of size %d", v, x.Len)
			return lang.None
		}
		return c.inUser(x, x.Elem)
	case lang.KindStr:
		if isConst && (v < 0 || v >= int64(x.Size)) {
			c.errorf(e, "the index %d is out of bounds for array of size %d", v, x.Size)
			return lang.None
		}
		return lang.IntType(1, true)
	case lang.KindPtr:
		if x.Elem == nil || x.Elem.Kind == lang.KindNone {
			c.errorf(e, "The array index operator [] can not be used on a void pointer")
			return lang.None
		}
		return c.inUser(x, x.Elem)
	}
	c.errorf(e, "The array index operator [] can only be used on arrays and pointers, found %s.", typeClass(x))
	return lang.None
}
