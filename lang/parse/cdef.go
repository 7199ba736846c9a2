package parse

import (
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// cparser reads the C definitions a script may carry in its preamble:
// struct and union members (type, pointer depth, array length, bitfield
// width) and enum values. Anything fancier (function pointers, nested
// anonymous aggregates) is skipped member by member, not rejected: BTF
// usually has the real type anyway.
type cparser struct {
	s    *scanner
	toks []lexer.Token
	i    int
	// enumVals lets later enumerators refer to earlier ones.
	enumVals map[string]int64
}

func (s *scanner) cdef(toks []lexer.Token, start int) {
	if len(toks) == 0 {
		return
	}
	p := &cparser{s: s, toks: toks, enumVals: map[string]int64{}}
	for _, d := range s.cdefs {
		for _, e := range d.Enumerators {
			p.enumVals[e.Name] = e.Value
		}
	}
	kind := toks[0].Value
	if kind == "typedef" {
		return
	}
	p.i = 1
	name := ""
	if p.peek().Type == tIdent {
		name = p.next().Value
	}
	if !p.is("{") {
		// A forward declaration, or a variable of a named type: nothing
		// to record, but anything other than `struct x;` is suspicious.
		if p.is(";") && name != "" {
			return
		}
		p.fail("syntax error in %s definition", kind)
		return
	}
	p.next()
	d := &lang.CDef{Kind: kind, Name: name}
	if kind == "enum" {
		p.enumBody(d)
	} else {
		p.members(d)
	}
	if !p.is("}") {
		p.fail("syntax error, unexpected %s in %s definition", describe(p.peek()), kind)
		return
	}
	last := p.next()
	end := last.Pos.Offset + 1
	for p.i < len(p.toks) && !p.is(";") {
		p.next()
	}
	if p.is(";") {
		end = p.peek().Pos.Offset + 1
	}
	d.Span = s.lines.span(start, end)
	s.cdefs = append(s.cdefs, d)
}

func (p *cparser) peek() lexer.Token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	end := 0
	if len(p.toks) > 0 {
		last := p.toks[len(p.toks)-1]
		end = last.Pos.Offset + len(last.Value)
	}
	return lexer.Token{Type: lexer.EOF, Pos: p.s.lines.lexPos(end)}
}

func (p *cparser) next() lexer.Token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *cparser) is(v string) bool {
	t := p.peek()
	return t.Type == tPunct && t.Value == v
}

func (p *cparser) fail(format string, args ...any) {
	if p.s.cerr {
		return
	}
	p.s.cerr = true
	p.s.errs.Add(lang.ErrorAt(p.s.tokenSpan(p.peek()), format, args...))
}

// members reads `type declarator[, declarator] [: bits];` until '}'.
func (p *cparser) members(d *lang.CDef) {
	for p.i < len(p.toks) && !p.is("}") {
		startTok := p.peek()
		var words []string
		depth := 0
		skip := false
		for p.peek().Type == tIdent {
			w := p.next().Value
			if w == "const" || w == "volatile" {
				continue
			}
			words = append(words, w)
			if (w == "struct" || w == "union" || w == "enum") && p.peek().Type == tIdent {
				words[len(words)-1] = w + " " + p.next().Value
			}
			if p.is("{") {
				skip = true // nested aggregate definition
				break
			}
		}
		if skip || len(words) == 0 {
			// Skip to the ';' ending this member, over nested braces.
			for p.i < len(p.toks) {
				if p.is("{") {
					depth++
				} else if p.is("}") {
					if depth == 0 {
						return
					}
					depth--
				} else if p.is(";") && depth == 0 {
					p.next()
					break
				}
				p.next()
			}
			continue
		}
		// The last word is the member name unless a declarator follows.
		base := words
		var nameTok string
		ptr := 0
		for p.is("*") {
			p.next()
			ptr++
		}
		p.skipQualifiers()
		if p.peek().Type == tIdent {
			nameTok = p.next().Value
		} else if ptr == 0 && len(words) >= 2 {
			nameTok = words[len(words)-1]
			base = words[:len(words)-1]
		}
		for {
			if nameTok == "" {
				p.skipMember()
				break
			}
			f := &lang.CField{Name: nameTok, Type: &lang.TypeExpr{Name: joinWords(base), Ptr: ptr}}
			for p.is("[") {
				p.next()
				n := p.constExpr(0)
				if f.Type.ArrayLen == 0 {
					f.Type.ArrayLen = int(n)
				} else {
					f.Type.InnerDims = append(f.Type.InnerDims, int(n))
				}
				if p.is("]") {
					p.next()
				}
			}
			if p.is(":") {
				p.next()
				f.Bits = int(p.constExpr(0))
			}
			end := p.peek().Pos.Offset
			f.Span = p.s.lines.span(startTok.Pos.Offset, end)
			f.Type.Span = f.Span
			d.Fields = append(d.Fields, f)
			if p.is(",") {
				p.next()
				ptr = 0
				for p.is("*") {
					p.next()
					ptr++
				}
				nameTok = ""
				p.skipQualifiers()
				if p.peek().Type == tIdent {
					nameTok = p.next().Value
				}
				continue
			}
			if p.is(";") {
				p.next()
			} else {
				p.skipMember()
			}
			break
		}
	}
}

// skipQualifiers skips const and volatile in a declarator.
func (p *cparser) skipQualifiers() {
	for t := p.peek(); t.Type == tIdent && (t.Value == "const" || t.Value == "volatile"); t = p.peek() {
		p.next()
	}
}

// skipMember skips to just after the next ';' (or to '}').
func (p *cparser) skipMember() {
	for p.i < len(p.toks) && !p.is("}") {
		if p.next().Value == ";" {
			return
		}
	}
}

func joinWords(w []string) string {
	out := ""
	for i, s := range w {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

// enumBody reads `A, B = 5, C` until '}'.
func (p *cparser) enumBody(d *lang.CDef) {
	next := int64(0)
	for p.i < len(p.toks) && !p.is("}") {
		t := p.peek()
		if t.Type != tIdent {
			p.fail("syntax error, unexpected %s in enum definition", describe(t))
			p.i = len(p.toks)
			return
		}
		p.next()
		v := next
		if p.is("=") {
			p.next()
			v = p.constExpr(0)
		}
		end := p.peek().Pos.Offset
		if p.i > 0 {
			last := p.toks[p.i-1]
			end = p.s.tokenSpan(last).End.Offset
		}
		d.Enumerators = append(d.Enumerators, &lang.Enumerator{Span: p.s.lines.span(t.Pos.Offset, end), Name: t.Value, Value: v})
		p.enumVals[t.Value] = v
		next = v + 1
		if p.is(",") {
			p.next()
		}
	}
}

// constExpr evaluates a C integer constant expression by precedence
// climbing (ints, earlier enumerators, unary - ~ !, binary arithmetic,
// shifts and bitwise operators, parentheses).
func (p *cparser) constExpr(minPrec int) int64 {
	v := p.constUnary(0)
	for {
		t := p.peek()
		op, ok := lang.BinaryOp(t.Value)
		prec := op.Precedence()
		if t.Type != tPunct || !ok || prec < minPrec || prec < lang.PrecBitOr {
			return v
		}
		p.next()
		w := p.constExpr(prec + 1)
		v = foldBinary(op, v, w)
	}
}

func (p *cparser) constUnary(depth int) int64 {
	if depth > 200 {
		p.i = len(p.toks)
		return 0
	}
	t := p.next()
	switch {
	case t.Type == tNumber:
		v, err := parseIntLit(t.Value)
		if err != "" {
			p.fail("%s", err)
		}
		return int64(v)
	case t.Type == tIdent:
		return p.enumVals[t.Value]
	case t.Value == "-":
		return -p.constUnary(depth + 1)
	case t.Value == "~":
		return ^p.constUnary(depth + 1)
	case t.Value == "!":
		return b2i(p.constUnary(depth+1) == 0)
	case t.Value == "+":
		return p.constUnary(depth + 1)
	case t.Value == "(":
		v := p.constExprDepth(depth + 1)
		if p.is(")") {
			p.next()
		}
		return v
	}
	p.fail("syntax error, unexpected %s in constant expression", describe(t))
	return 0
}

func (p *cparser) constExprDepth(depth int) int64 {
	if depth > 200 {
		p.i = len(p.toks)
		return 0
	}
	return p.constExpr(0)
}

func foldBinary(op lang.Op, a, b int64) int64 {
	switch op {
	case lang.OpAdd:
		return a + b
	case lang.OpSub:
		return a - b
	case lang.OpMul:
		return a * b
	case lang.OpQuo:
		if b == 0 {
			return 0
		}
		return a / b
	case lang.OpRem:
		if b == 0 {
			return 0
		}
		return a % b
	case lang.OpShl:
		return a << (uint64(b) & 63)
	case lang.OpShr:
		return a >> (uint64(b) & 63)
	case lang.OpAnd:
		return a & b
	case lang.OpOr:
		return a | b
	case lang.OpXor:
		return a ^ b
	}
	return 0
}
