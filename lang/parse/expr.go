package parse

import (
	"math"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// maxExprDepth bounds recursion so deeply nested input fails cleanly
// instead of exhausting the stack.
const maxExprDepth = 1000

// keywords cannot be used as bare identifiers in expressions.
var keywords = map[string]bool{
	"if": true, "else": true, "while": true, "for": true, "unroll": true,
	"break": true, "continue": true, "return": true, "let": true,
	"config": true, "import": true, "macro": true,
}

// exprParser parses one expression from participle's token stream by
// precedence climbing. It builds lang nodes directly.
type exprParser struct {
	st      *state
	lex     *lexer.PeekingLexer
	lastEnd int
	depth   int
}

// errStop aborts an expression after a diagnostic was recorded.
type errStop struct{ d *lang.Diagnostic }

func (e *errStop) Error() string { return e.d.Msg }

// parseExpr is the participle hook for lang.Expr fields (see grammarSlot).
func parseExpr(st *state, lex *lexer.PeekingLexer) (lang.Expr, error) {
	if !startsOperand(*lex.Peek()) {
		return nil, participle.NextMatch
	}
	p := &exprParser{st: st, lex: lex}
	x, err := p.ternary()
	if err != nil {
		return nil, err
	}
	return x, nil
}

// simpleStmt is an expression statement or an assignment. bad is an
// invalid assignment target, reported when the statement is lowered (not
// while participle may still backtrack).
type simpleStmt struct {
	stmt lang.Stmt
	bad  *lang.Diagnostic
}

func (s *simpleStmt) simple() *simpleStmt { return s }

// parseSimple is the participle hook for expression statements and
// assignments: expr, or target op value where op is "=" or a compound
// assignment operator.
func parseSimple(st *state, lex *lexer.PeekingLexer) (simpleHook, error) {
	first := *lex.Peek()
	if !startsOperand(first) {
		return nil, participle.NextMatch
	}
	p := &exprParser{st: st, lex: lex}
	x, err := p.ternary()
	if err != nil {
		return nil, err
	}
	op := p.peek()
	aop, isAssign := lang.AssignOp(op.Value)
	if op.Type != tPunct || !isAssign {
		return &simpleStmt{stmt: &lang.ExprStmt{Span: p.span(first.Pos.Offset), X: x}}, nil
	}
	p.next()
	v, err := p.ternaryOrFail()
	if err != nil {
		return nil, err
	}
	if id, ok := x.(*lang.Ident); ok && id.Name == "_" && op.Value == "=" {
		// `_ = expr` discards a value (bpftrace ≥ 0.24, to silence its
		// unused-value warning): an expression statement.
		return &simpleStmt{stmt: &lang.ExprStmt{Span: p.span(first.Pos.Offset), X: v}}, nil
	}
	s := &simpleStmt{}
	if !isMapOrVar(x) {
		s.bad = lang.ErrorAt(x.SpanOf(), "Invalid assignment target: only maps and variables can be assigned")
		if _, ok := x.(*lang.TupleIndex); ok {
			// bpftrace 0.17 underlines the whole assignment.
			s.bad = lang.ErrorAt(p.span(first.Pos.Offset), "Tuples are immutable once created. Consider creating a new tuple and assigning it instead.")
		}
	}
	s.stmt = &lang.AssignStmt{Span: p.span(first.Pos.Offset), Target: x, Op: aop, OpSpan: p.st.tokenSpan(op), Value: v}
	return s, nil
}

func startsOperand(t lexer.Token) bool {
	switch t.Type {
	case tNumber, tString, tMap, tVar, tParam:
		return true
	case tIdent:
		return !keywords[t.Value]
	case tPunct:
		switch t.Value {
		case "(", "!", "~", "-", "*", "&", "++", "--", "+":
			return true
		}
	}
	return false
}

func (p *exprParser) peek() lexer.Token { return *p.lex.Peek() }

func (p *exprParser) next() lexer.Token {
	t := *p.lex.Next()
	if !t.EOF() {
		p.lastEnd = p.st.tokenSpan(t).End.Offset
	}
	return t
}

func (p *exprParser) isPunct(v string) bool {
	t := p.peek()
	return t.Type == tPunct && t.Value == v
}

// fail records a syntax error at the next token.
func (p *exprParser) unexpected() error {
	return p.st.fail(unexpectedToken(p.st, p.peek()))
}

func (p *exprParser) expect(v string) error {
	if !p.isPunct(v) {
		return p.unexpected()
	}
	p.next()
	return nil
}

func (p *exprParser) span(start int) lang.Span {
	return p.st.lines.span(start, p.lastEnd)
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return p.st.fail(lang.ErrorAt(p.st.tokenSpan(p.peek()), "expression nested too deeply"))
	}
	return nil
}

// ternary: cond ? then : else, right associative, loosest.
func (p *exprParser) ternary() (lang.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	start := p.peek().Pos.Offset
	c, err := p.binary(lang.PrecLowestBinary)
	if err != nil || !p.isPunct("?") {
		return c, err
	}
	p.next()
	t, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if err := p.expect(":"); err != nil {
		return nil, err
	}
	e, err := p.ternary()
	if err != nil {
		return nil, err
	}
	return &lang.Ternary{Span: p.span(start), Cond: c, Then: t, Else: e}, nil
}

// binary climbs precedence levels from minPrec; all binary operators are
// left associative.
func (p *exprParser) binary(minPrec int) (lang.Expr, error) {
	start := p.peek().Pos.Offset
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op, ok := lang.BinaryOp(t.Value)
		prec := op.Precedence()
		if t.Type != tPunct || !ok || prec < minPrec {
			return x, nil
		}
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		y, err := p.binary(prec + 1)
		p.depth--
		if err != nil {
			return nil, err
		}
		x = &lang.Binary{Span: p.span(start), Op: op, OpSpan: p.st.tokenSpan(t), X: x, Y: y}
	}
}

// unary: prefix operators, ++/--, casts, then postfix.
func (p *exprParser) unary() (lang.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	start := t.Pos.Offset
	if t.Type == tPunct {
		if op, ok := lang.UnaryOp(t.Value); ok {
			p.next()
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			return &lang.Unary{Span: p.span(start), Op: op, X: x}, nil
		}
		switch t.Value {
		case "++", "--":
			p.next()
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			if !isMapOrVar(x) {
				return nil, p.st.fail(lang.ErrorAt(p.st.tokenSpan(t), "The %s operator must be applied to a map or variable", t.Value))
			}
			op, _ := lang.IncDecOp(t.Value)
			return &lang.IncDec{Span: p.span(start), Op: op, X: x}, nil
		case "(":
			if typ, ok := p.tryCastType(); ok {
				x, err := p.unary()
				if err != nil {
					return nil, err
				}
				return &lang.Cast{Span: p.span(start), Type: typ, X: x}, nil
			}
		}
	}
	return p.postfix()
}

func isMapOrVar(x lang.Expr) bool {
	switch x.(type) {
	case *lang.Map, *lang.Var:
		return true
	}
	return false
}

// postfix: primary followed by . -> [] and postfix ++ --.
func (p *exprParser) postfix() (lang.Expr, error) {
	start := p.peek().Pos.Offset
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.Type != tPunct {
			return x, nil
		}
		switch t.Value {
		case ".", "->":
			p.next()
			n := p.peek()
			switch {
			case n.Type == tIdent:
				p.next()
				x = &lang.Field{Span: p.span(start), X: x, Name: n.Value, Arrow: t.Value == "->"}
			case n.Type == tNumber && t.Value == ".":
				idx, err := strconv.Atoi(n.Value)
				if err != nil || idx < 0 || strings.Trim(n.Value, "0123456789") != "" {
					return nil, p.st.fail(lang.ErrorAt(p.st.tokenSpan(n), "invalid tuple index '%s'", n.Value))
				}
				p.next()
				x = &lang.TupleIndex{Span: p.span(start), X: x, Index: idx}
			default:
				return nil, p.unexpected()
			}
		case "[":
			p.next()
			i, err := p.ternaryOrFail()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = &lang.Index{Span: p.span(start), X: x, Index: i}
		case "++", "--":
			if !isMapOrVar(x) {
				return nil, p.st.fail(lang.ErrorAt(p.st.tokenSpan(t), "The %s operator must be applied to a map or variable", t.Value))
			}
			p.next()
			op, _ := lang.IncDecOp(t.Value)
			x = &lang.IncDec{Span: p.span(start), Op: op, Post: true, X: x}
		default:
			return x, nil
		}
	}
}

// ternaryOrFail parses a full expression where one is required.
func (p *exprParser) ternaryOrFail() (lang.Expr, error) {
	if !startsOperand(p.peek()) {
		return nil, p.unexpected()
	}
	return p.ternary()
}

// list parses `expr, expr, ...` up to the closing token (not consumed).
func (p *exprParser) list(closing string) ([]lang.Expr, error) {
	var out []lang.Expr
	if p.isPunct(closing) {
		return out, nil
	}
	for {
		x, err := p.ternaryOrFail()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
		if !p.isPunct(",") {
			return out, nil
		}
		p.next()
	}
}

func (p *exprParser) primary() (lang.Expr, error) {
	t := p.peek()
	sp := p.st.tokenSpan(t)
	switch t.Type {
	case tNumber:
		p.next()
		v, msg := parseIntLit(t.Value)
		if msg != "" {
			p.st.diag(lang.ErrorAt(sp, "%s", msg))
		}
		return &lang.IntLit{Span: sp, Value: v, Text: t.Value}, nil
	case tString:
		p.next()
		body := t.Value[1 : len(t.Value)-1]
		s, at, msg := unquote(body)
		if msg != "" {
			o := t.Pos.Offset + 1 + at
			p.st.diag(lang.ErrorAt(p.st.lines.span(o, o+2), "%s", msg))
		}
		return &lang.StrLit{Span: sp, Value: s}, nil
	case tParam:
		p.next()
		if t.Value == "$#" {
			return &lang.Positional{Span: sp, Count: true}, nil
		}
		n, err := strconv.Atoi(t.Value[1:])
		if err != nil || n < 1 {
			p.st.diag(lang.ErrorAt(sp, "param %s is out of integer range [1, %d]", t.Value, math.MaxInt64))
			n = 1
		}
		return &lang.Positional{Span: sp, Index: n}, nil
	case tVar:
		p.next()
		return &lang.Var{Span: sp, Name: t.Value[1:]}, nil
	case tMap:
		p.next()
		m := &lang.Map{Span: sp, Name: t.Value[1:]}
		if p.isPunct("[") {
			open := p.next()
			keys, err := p.list("]")
			if err != nil {
				return nil, err
			}
			if len(keys) == 0 {
				return nil, p.st.fail(lang.ErrorAt(p.st.tokenSpan(open), "syntax error, empty map key"))
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			m.Keys = keys
			m.Span = p.span(t.Pos.Offset)
		}
		return m, nil
	case tIdent:
		return p.identifier(t)
	case tPunct:
		if t.Value == "(" {
			return p.paren()
		}
		if t.Value == "+" {
			// bpftrace has no unary plus; say so like any bad token.
			return nil, p.unexpected()
		}
	}
	return nil, p.unexpected()
}

func (p *exprParser) identifier(t lexer.Token) (lang.Expr, error) {
	sp := p.st.tokenSpan(t)
	if keywords[t.Value] {
		return nil, p.unexpected()
	}
	p.next()
	switch t.Value {
	case "true", "false":
		return &lang.BoolLit{Span: sp, Value: t.Value == "true"}, nil
	case "sizeof":
		if p.isPunct("(") {
			return p.sizeof(t)
		}
	case "offsetof":
		if p.isPunct("(") {
			return p.offsetof(t)
		}
	}
	if p.isPunct("(") {
		p.next()
		args, err := p.list(")")
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return &lang.Call{Span: p.span(t.Pos.Offset), Name: t.Value, NameSpan: sp, Args: args}, nil
	}
	if lang.IsBuiltin(t.Value) {
		return &lang.Builtin{Span: sp, Name: t.Value}, nil
	}
	return &lang.Ident{Span: sp, Name: t.Value}, nil
}

// paren: `(expr)` or a tuple: `(a, b, ...)`, `(a,)` (one element, as in
// bpftrace ≥ 0.24) or `()` (empty).
func (p *exprParser) paren() (lang.Expr, error) {
	open := p.next()
	elems := []lang.Expr{}
	trailing := false
	for !p.isPunct(")") {
		x, err := p.ternaryOrFail()
		if err != nil {
			return nil, err
		}
		elems = append(elems, x)
		trailing = false
		if !p.isPunct(",") {
			break
		}
		p.next()
		trailing = true
	}
	if trailing && len(elems) > 1 {
		// Only the one-element tuple takes a trailing comma.
		return nil, p.unexpected()
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if len(elems) == 1 && !trailing {
		return elems[0], nil
	}
	return &lang.Tuple{Span: p.span(open.Pos.Offset), Elems: elems}, nil
}
