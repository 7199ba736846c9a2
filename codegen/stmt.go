package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

func (g *gen) block(b *lang.Block) {
	for _, s := range b.Stmts {
		g.stmt(s)
	}
}

// stmt compiles one statement. Stack temporaries live until its end.
func (g *gen) stmt(s lang.Stmt) {
	mark, bmark := g.f.mark(), g.bf.mark()
	defer func() { g.f.release(mark); g.bf.release(bmark) }()
	switch s := s.(type) {
	case *lang.Block:
		g.block(s)
	case *lang.ExprStmt:
		g.setSource(s, "")
		g.exprStmt(s.X)
	case *lang.AssignStmt:
		g.setSource(s, "")
		g.assign(s)
	case *lang.LetStmt:
		if s.Value != nil {
			g.setSource(s, "")
			g.assignVar(s.Var, s.Value)
		}
	case *lang.IfStmt:
		g.setSource(s.Cond, "if ("+g.c.text(s.Cond.SpanOf())+")")
		els, end := g.b.label("else"), g.b.label("endif")
		g.condJump(s.Cond, false, els)
		g.block(s.Then)
		if s.Else != nil {
			g.b.emit(asm.Ja.Label(end))
			g.b.mark(els)
			g.stmt(s.Else)
			g.b.mark(end)
		} else {
			g.b.mark(els)
		}
	case *lang.UnrollStmt:
		n, _ := g.constOf(s.Count)
		// The body n times; break and continue in it belong to the
		// enclosing loop (sema).
		for i := int64(0); i < n; i++ {
			g.b.src = "unroll " + g.c.text(s.Count.SpanOf())
			g.block(s.Body)
		}
	case *lang.WhileStmt:
		top, end := g.b.label("while"), g.b.label("while_end")
		g.b.mark(top)
		g.setSource(s.Cond, "while ("+g.c.text(s.Cond.SpanOf())+")")
		g.condJump(s.Cond, false, end)
		g.loops = append(g.loops, loopLabels{brk: end, cont: top})
		g.block(s.Body)
		g.loops = g.loops[:len(g.loops)-1]
		g.b.emit(asm.Ja.Label(top))
		g.b.mark(end)
	case *lang.ForStmt:
		g.setSource(s, "for ("+g.c.text(lang.Join(s.Var.Span, spanOfFor(s)))+")")
		if s.Range != nil {
			g.forRange(s)
		} else {
			g.forMap(s)
		}
	case *lang.JumpStmt:
		g.setSource(s, s.Kind.String())
		switch s.Kind {
		case lang.Return:
			g.b.emit(asm.Ja.Label(g.exit))
		case lang.Break:
			g.b.emit(asm.Ja.Label(g.loops[len(g.loops)-1].brk))
		case lang.Continue:
			g.b.emit(asm.Ja.Label(g.loops[len(g.loops)-1].cont))
		}
	case nil:
	default:
		panic("BUG: codegen: unknown statement")
	}
}

func spanOfFor(s *lang.ForStmt) lang.Span {
	if s.Range != nil {
		return s.Range.Span
	}
	return s.Map.Span
}

// forRange compiles `for ($i : lo..hi)`: the bound is evaluated once, the
// variable lives in its slot. The verifier proves termination (5.3+
// bounded loops) by walking the iterations, as for while.
func (g *gen) forRange(s *lang.ForStmt) {
	v := g.vars[s.Var.Name]
	base, slot := v.reg, v.off
	signed := g.pi.Vars[s.Var.Name].Signed
	g.intExpr(s.Range.Lo, asm.R0)
	g.b.emit(asm.StoreMem(base, slot, asm.R0, asm.DWord))
	hi := g.hold()
	if hi.reg != asm.R0 {
		g.intExpr(s.Range.Hi, hi.reg)
	} else {
		g.intExpr(s.Range.Hi, asm.R0)
		g.store(hi, asm.R0)
	}
	top, next, end := g.b.label("for"), g.b.label("for_next"), g.b.label("for_end")
	g.b.mark(top)
	g.b.emit(asm.LoadMem(asm.R0, base, slot, asm.DWord))
	g.load(asm.R1, hi)
	if signed {
		g.b.emit(asm.JSGE.Reg(asm.R0, asm.R1, end))
	} else {
		g.b.emit(asm.JGE.Reg(asm.R0, asm.R1, end))
	}
	g.loops = append(g.loops, loopLabels{brk: end, cont: next})
	g.block(s.Body)
	g.loops = g.loops[:len(g.loops)-1]
	g.b.mark(next)
	g.b.emit(
		asm.LoadMem(asm.R0, base, slot, asm.DWord),
		asm.Add.Imm(asm.R0, 1),
		asm.StoreMem(base, slot, asm.R0, asm.DWord),
		asm.Ja.Label(top),
	)
	g.b.mark(end)
	g.release(hi)
}

// exprStmt evaluates an expression for its effect.
func (g *gen) exprStmt(e lang.Expr) {
	switch e := e.(type) {
	case *lang.Call:
		if g.callStmt(e) {
			return
		}
	case *lang.IncDec:
		g.incDec(e, asm.R0)
		return
	case *lang.Ternary:
		// Only the chosen value runs, for its effects (both may be
		// calls without a value: `$x ? printf("a") : exit()`).
		els, end := g.b.label("tern_else"), g.b.label("tern_end")
		g.condJump(e.Cond, false, els)
		g.exprStmt(e.Then)
		g.b.emit(asm.Ja.Label(end))
		g.b.mark(els)
		g.exprStmt(e.Else)
		g.b.mark(end)
		return
	}
	t := g.typeOf(e)
	if isMem(t) {
		l := g.tmp(maps.SizeOf(t))
		g.memExpr(e, t, l.reg, l.off, false)
		return
	}
	// A call without a value (signal) still runs for its effect; one
	// without an emitter fails in callValue rather than vanishing.
	if _, call := e.(*lang.Call); call || t.Kind != lang.KindNone {
		g.intExpr(e, asm.R0)
	}
}

// assign compiles `target op= value`.
func (g *gen) assign(s *lang.AssignStmt) {
	switch t := s.Target.(type) {
	case *lang.Var:
		if s.Op == lang.OpAssign {
			g.assignVar(t, s.Value)
			return
		}
		v := g.vars[t.Name]
		vt := g.pi.Vars[t.Name]
		h := g.hold()
		g.intInto(s.Value, h)
		g.b.emit(asm.LoadMem(asm.R0, v.reg, v.off, asm.DWord))
		g.load(asm.R1, h)
		g.release(h)
		if s.Op == lang.OpAdd || s.Op == lang.OpSub {
			g.scale(asm.R1, ptrStep(vt))
		}
		if g.zeroedBy(s.Op, s.Value) {
			g.b.emit(asm.Mov.Imm(asm.R0, 0))
		} else {
			g.aluOp(s.Op, asm.R0, asm.R1, vt.Signed && g.typeOf(s.Value).Signed, vt)
		}
		g.convert(asm.R0, lang.IntType(8, vt.Signed), vt)
		g.b.emit(asm.StoreMem(v.reg, v.off, asm.R0, asm.DWord))
	case *lang.Map:
		if s.Op == lang.OpAssign {
			saved := g.b.span
			g.b.span = g.assignOpSpan(s) // where a failed update is reported
			g.mapAssign(t, s.Value)
			g.b.span = saved
			return
		}
		g.mapCompound(t, s.Op, s.Value)
	default:
		fail(s, "invalid assignment target")
	}
}

// assignVar stores value into a scratch variable's slot.
func (g *gen) assignVar(v *lang.Var, value lang.Expr) {
	l, ok := g.vars[v.Name]
	if !ok {
		panic("BUG: codegen: variable without a slot: $" + v.Name)
	}
	vt := g.pi.Vars[v.Name]
	if isMem(vt) {
		g.memExpr(value, vt, l.reg, l.off, true)
		return
	}
	g.intExpr(value, asm.R0)
	if w := g.storedZext(value); w != nil && vt.Size >= 8 {
		g.convert(asm.R0, lang.Int64, w)
	}
	g.convert(asm.R0, g.typeOf(value), vt)
	g.b.emit(asm.StoreMem(l.reg, l.off, asm.R0, asm.DWord))
}
