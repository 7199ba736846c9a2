package parse

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// C types inside expressions: casts, sizeof and offsetof. A parenthesis
// may open a cast or a parenthesized expression, and only the type names
// (scalarTypes) and what follows tell them apart; the rules are here.

// scalarTypes are type names that make `(name)x` a cast even when not
// followed by an obvious operand.
var scalarTypes = map[string]bool{
	"int8": true, "int16": true, "int32": true, "int64": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"u8": true, "u16": true, "u32": true, "u64": true,
	"s8": true, "s16": true, "s32": true, "s64": true,
	"__u8": true, "__u16": true, "__u32": true, "__u64": true,
	"__s8": true, "__s16": true, "__s32": true, "__s64": true,
	"int": true, "char": true, "short": true, "long": true, "bool": true,
	"unsigned": true, "signed": true, "void": true, "size_t": true,
	"struct": true, "union": true, "enum": true, "const": true,
}

// tryCastType recognizes `( type )` followed by an operand. On failure it
// rewinds and reports false.
func (p *exprParser) tryCastType() (*lang.TypeExpr, bool) {
	cp := p.lex.MakeCheckpoint()
	last := p.lastEnd
	p.next() // (
	first := p.peek()
	if first.Type != tIdent || keywords[first.Value] {
		p.lex.LoadCheckpoint(cp)
		p.lastEnd = last
		return nil, false
	}
	typ, ok := p.typeExpr()
	if ok && p.isPunct(")") {
		p.next()
		after := p.peek()
		strong := scalarTypes[first.Value] || typ.Ptr > 0 || typ.ArrayLen > 0 || strings.Contains(typ.Name, " ")
		weakOK := !lang.IsBuiltin(first.Value) && startsOperand(after) &&
			!(after.Type == tPunct && (after.Value == "-" || after.Value == "*" || after.Value == "&" || after.Value == "+"))
		if (strong && startsOperand(after)) || weakOK {
			return typ, true
		}
	}
	p.lex.LoadCheckpoint(cp)
	p.lastEnd = last
	return nil, false
}

// typeExpr reads a C type: words (`unsigned int`, `struct sock`), '*'s
// and an optional `[N]`.
func (p *exprParser) typeExpr() (*lang.TypeExpr, bool) {
	start := p.peek().Pos.Offset
	var words []string
	for p.peek().Type == tIdent && !keywords[p.peek().Value] {
		w := p.next().Value
		if w == "const" || w == "volatile" {
			continue
		}
		words = append(words, w)
		if w == "struct" || w == "union" || w == "enum" {
			if p.peek().Type != tIdent {
				return nil, false
			}
			words[len(words)-1] = w + " " + p.next().Value
			break
		}
		if !multiWordType(w) {
			break
		}
	}
	if len(words) == 0 {
		return nil, false
	}
	t := &lang.TypeExpr{Name: strings.Join(words, " ")}
	for p.isPunct("*") {
		p.next()
		t.Ptr++
	}
	if p.isPunct("[") {
		p.next()
		n := p.peek()
		if n.Type != tNumber {
			return nil, false
		}
		p.next()
		v, msg := parseIntLit(n.Value)
		if msg != "" || v > 1<<31 {
			return nil, false
		}
		t.ArrayLen = int(v)
		if !p.isPunct("]") {
			return nil, false
		}
		p.next()
	}
	t.Span = p.span(start)
	return t, true
}

// multiWordType tells whether a type word may be followed by another
// (`unsigned int`, `long long`).
func multiWordType(w string) bool {
	switch w {
	case "unsigned", "signed", "long", "short":
		return true
	}
	return false
}

// sizeof(type) or sizeof(expr).
func (p *exprParser) sizeof(t lexer.Token) (lang.Expr, error) {
	p.next() // (
	first := p.peek()
	if first.Type == tIdent && scalarTypes[first.Value] {
		cp := p.lex.MakeCheckpoint()
		last := p.lastEnd
		if typ, ok := p.typeExpr(); ok && p.isPunct(")") {
			p.next()
			return &lang.Sizeof{Span: p.span(t.Pos.Offset), Type: typ}, nil
		}
		p.lex.LoadCheckpoint(cp)
		p.lastEnd = last
	}
	x, err := p.ternaryOrFail()
	if err != nil {
		return nil, err
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return &lang.Sizeof{Span: p.span(t.Pos.Offset), X: x}, nil
}

// offsetof(struct T, a.b).
func (p *exprParser) offsetof(t lexer.Token) (lang.Expr, error) {
	p.next() // (
	typ, ok := p.typeExpr()
	if !ok {
		return nil, p.unexpected()
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	var path []string
	for {
		n := p.peek()
		if n.Type != tIdent {
			return nil, p.unexpected()
		}
		p.next()
		path = append(path, n.Value)
		if !p.isPunct(".") {
			break
		}
		p.next()
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return &lang.Offsetof{Span: p.span(t.Pos.Offset), Type: typ, Field: path}, nil
}
