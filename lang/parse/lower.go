package parse

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// spanOf is the span covering a grammar node's tokens.
func (st *state) spanOf(toks []lexer.Token) lang.Span {
	if len(toks) == 0 {
		return st.tokenSpan(st.eof)
	}
	return lang.Join(st.tokenSpan(toks[0]), st.tokenSpan(toks[len(toks)-1]))
}

func (st *state) lowerProgram(g *gProgram, prog *lang.Program) {
	for _, it := range g.Items {
		if it.Macro != nil {
			st.lowerMacro(it.Macro)
		}
	}
	sawProbe := false
	for _, it := range g.Items {
		switch {
		case it.Config != nil:
			c := st.lowerConfig(it.Config)
			switch {
			case prog.Config != nil:
				st.diag(lang.ErrorAt(c.Span, "only one config block is allowed"))
			case sawProbe || len(prog.MapDecls) > 0:
				st.diag(lang.ErrorAt(c.Span, "config block must come before any probe"))
			}
			if prog.Config == nil {
				prog.Config = c
			}
		case it.MapDecl != nil:
			prog.MapDecls = append(prog.MapDecls, st.lowerMapDecl(it.MapDecl))
		case it.Probe != nil:
			sawProbe = true
			prog.Probes = append(prog.Probes, st.lowerProbe(it.Probe))
		}
	}
	if st.macros != nil {
		st.expandMacros(prog)
	}
	if len(prog.Probes) == 0 && len(st.diags) == 0 {
		st.diag(lang.ErrorAt(st.tokenSpan(st.eof), "syntax error, unexpected end of file, expected a probe"))
	}
}

func (st *state) lowerConfig(g *gConfig) *lang.Config {
	c := &lang.Config{Span: st.spanOf(g.Tokens)}
	for _, e := range g.Entries {
		switch e.Value.(type) {
		case *lang.IntLit, *lang.StrLit, *lang.Ident, *lang.BoolLit, *lang.Builtin:
		default:
			st.diag(lang.ErrorAt(e.Value.SpanOf(), "invalid config value: expected an integer, a string or an identifier"))
		}
		v := e.Value
		if b, ok := v.(*lang.Builtin); ok {
			// Config values are plain words even when they spell a builtin.
			v = &lang.Ident{Span: b.Span, Name: b.Name}
		}
		c.Entries = append(c.Entries, &lang.ConfigEntry{Span: st.spanOf(e.Tokens), Key: e.Key, Value: v})
	}
	return c
}

func (st *state) lowerMapDecl(g *gMapDecl) *lang.MapDecl {
	d := &lang.MapDecl{Span: st.spanOf(g.Tokens), Name: g.Name.Value[1:], Kind: g.Kind}
	if g.Entries != nil {
		v, msg := parseIntLit(g.Entries.Value)
		if msg != "" || v > 1<<62 {
			st.diag(lang.ErrorAt(st.tokenSpan(*g.Entries), "invalid map size '%s'", g.Entries.Value))
		}
		d.Entries = int64(v & (1<<62 - 1))
	}
	return d
}

func (st *state) lowerProbe(g *gProbe) *lang.Probe {
	p := &lang.Probe{Span: st.spanOf(g.Tokens), Pred: g.Pred}
	for _, a := range g.Attach {
		p.Attach = append(p.Attach, st.attachPoint(a.Tok.Value, st.tokenSpan(a.Tok)))
	}
	p.Body = st.lowerBlock(g.Body)
	return p
}

func (st *state) lowerBlock(g *gBlock) *lang.Block {
	b := &lang.Block{Span: st.spanOf(g.Tokens)}
	for i, s := range g.Stmts {
		if (s.Simple != nil || s.Let != nil || s.Jump != nil) && !s.Semi && i+1 < len(g.Stmts) {
			// bpftrace: a simple statement must be followed by ';' unless
			// it is the last of its block.
			next := g.Stmts[i+1].Tokens
			if len(next) > 0 {
				st.diag(unexpectedToken(st, next[0]))
			}
		}
		if x := st.lowerStmt(s); x != nil {
			b.Stmts = append(b.Stmts, x)
		}
	}
	return b
}

func (st *state) lowerStmt(g *gStmt) lang.Stmt {
	switch {
	case g.If != nil:
		return st.lowerIf(g.If)
	case g.While != nil:
		return &lang.WhileStmt{Span: st.spanOf(g.While.Tokens), Cond: g.While.Cond, Body: st.lowerBlock(g.While.Body)}
	case g.Unroll != nil:
		return &lang.UnrollStmt{Span: st.spanOf(g.Unroll.Tokens), Count: g.Unroll.Count, Body: st.lowerBlock(g.Unroll.Body)}
	case g.For != nil:
		return st.lowerFor(g.For)
	case g.Block != nil:
		return st.lowerBlock(g.Block)
	case g.Simple != nil:
		x := g.Simple.simple()
		if x.bad != nil {
			st.diag(x.bad)
		}
		return x.stmt
	case g.Let != nil:
		l := &lang.LetStmt{Span: st.spanOf(g.Let.Tokens), Var: &lang.Var{Span: st.tokenSpan(g.Let.Var), Name: g.Let.Var.Value[1:]}, Value: g.Let.Value}
		if g.Let.Type != nil {
			l.Type = st.lowerType(g.Let.Type)
		}
		return l
	case g.Jump != nil:
		k := map[string]lang.JumpKind{"break": lang.Break, "continue": lang.Continue, "return": lang.Return}[g.Jump.word()]
		return &lang.JumpStmt{Span: st.spanOf(g.Tokens[:1]), Kind: k}
	}
	return nil
}

func (st *state) lowerIf(g *gIf) *lang.IfStmt {
	s := &lang.IfStmt{Span: st.spanOf(g.Tokens), Cond: g.Cond, Then: st.lowerBlock(g.Then)}
	switch {
	case g.ElseIf != nil:
		s.Else = st.lowerIf(g.ElseIf)
	case g.Else != nil:
		s.Else = st.lowerBlock(g.Else)
	}
	return s
}

func (st *state) lowerFor(g *gFor) lang.Stmt {
	sp := st.spanOf(g.Tokens)
	if g.LParen != g.RParen {
		st.diag(lang.ErrorAt(sp, "syntax error, unbalanced parentheses in for statement"))
	}
	f := &lang.ForStmt{Span: sp, Var: &lang.Var{Span: st.tokenSpan(g.Var), Name: g.Var.Value[1:]}, Body: st.lowerBlock(g.Body)}
	if g.Hi != nil {
		f.Range = &lang.Range{Span: lang.Join(g.Lo.SpanOf(), g.Hi.SpanOf()), Lo: g.Lo, Hi: g.Hi}
		return f
	}
	m, ok := g.Lo.(*lang.Map)
	if !ok || m.Keys != nil {
		st.diag(lang.ErrorAt(g.Lo.SpanOf(), "for loop expects a map or a range (lo..hi)"))
		m = &lang.Map{Span: g.Lo.SpanOf()}
	}
	f.Map = m
	return f
}

func (st *state) lowerType(g *gType) *lang.TypeExpr {
	t := &lang.TypeExpr{Span: st.spanOf(g.Tokens), Name: strings.Join(g.Words, " "), Ptr: len(g.Stars)}
	if g.Len != nil {
		v, msg := parseIntLit(g.Len.Value)
		if msg != "" || v > 1<<31 {
			st.diag(lang.ErrorAt(st.tokenSpan(*g.Len), "invalid array length '%s'", g.Len.Value))
		} else {
			t.ArrayLen = int(v)
		}
	}
	return t
}
